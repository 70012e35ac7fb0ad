import ArgumentParser
import EdgeConfig
import EdgeGateway
import EdgeIO
#if canImport(Glibc)
import Glibc
#endif

/// The command line: `run`, `check` and `version`.
struct MCPEdge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp-edge",
        abstract: "A high-performance edge proxy and gateway for MCP traffic.",
        subcommands: [Run.self, Check.self, Version.self])
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve with a configuration file (SIGTERM drains and exits).")

    @Option(name: .long, help: "The YAML configuration file.")
    var config: String

    func run() throws {
        let snapshot: EdgeConfiguration
        do {
            snapshot = try ConfigLoader.load(path: config)
        } catch let errors as ConfigErrors {
            printErrors(errors)
            throw ExitCode(2)
        }
        ProcessSignals.block()
        let server: EdgeServer
        do {
            server = try EdgeServer(plan: try ServingPlan(configuration: snapshot))
            try server.start()
        } catch {
            printError("mcp-edge: cannot start: \(error)")
            throw ExitCode(1)
        }
        for note in ServingPlan.unservedParts(of: snapshot) { printError("mcp-edge: warning: \(note)") }
        for listener in snapshot.listeners {
            print("mcp-edge: listening on \(listener.address) (\(listener.tls == nil ? "plaintext HTTP/1.1 and h2c" : "TLS, HTTP/2 and HTTP/1.1"))")
        }
        print("mcp-edge: \(snapshot.workers) worker(s) running")
        fflush(stdout)
        var shrinker = HeapShrinker()
        while true {
            switch ProcessSignals.wait(seconds: 2) {
            case nil:
                shrinker.check()
            case .terminate:
                print("mcp-edge: draining")
                fflush(stdout)
                server.drainAndWait()
                print("mcp-edge: stopped")
                return
            case .reload:
                print("mcp-edge: reload is not supported yet; ignoring SIGHUP")
                fflush(stdout)
            }
        }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Validate a configuration file and report every error with its line.")

    @Option(name: .long, help: "The YAML configuration file.")
    var config: String

    func run() throws {
        do {
            let snapshot = try ConfigLoader.load(path: config)
            _ = try ServingPlan(configuration: snapshot)
            for note in ServingPlan.unservedParts(of: snapshot) { printError("\(config): warning: \(note)") }
            print("\(config): OK (\(snapshot.listeners.count) listener(s), \(snapshot.servers.count) server(s), \(snapshot.routes.count) route(s))")
        } catch let errors as ConfigErrors {
            printErrors(errors)
            throw ExitCode(2)
        } catch {
            printError("\(config): \(error)")
            throw ExitCode(2)
        }
    }
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version.")
    func run() { print("mcp-edge \(edgeVersion)") }
}

let edgeVersion = EdgeVersion.current

func printErrors(_ errors: ConfigErrors) {
    for issue in errors.issues { printError(issue.description) }
}

func printError(_ text: String) {
    fputs(text + "\n", stderr)
}

MCPEdge.main()
