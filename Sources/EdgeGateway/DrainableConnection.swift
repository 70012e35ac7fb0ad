/// A client connection the worker can ask to finish up when it drains (SIGTERM).
protocol DrainableConnection: AnyObject {
    /// Close now if idle; otherwise finish the request in flight and close after it.
    func drain()
}
