/// A client connection the worker tracks: asked to finish up when it drains (SIGTERM), and
/// to give back idle memory every second.
protocol DrainableConnection: AnyObject {
    /// Close now if idle; otherwise finish the request in flight and close after it.
    func drain()
    /// Called every second by the worker: a connection with nothing in flight frees what it
    /// can allocate again later (TLS record buffers).
    func releaseIdleMemory()
}
