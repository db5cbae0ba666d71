// How payrun talks HTTP: timeouts, the size a response may have, the proxy. The defaults suit a
// payment API; a script's host can change them.
import PayrunFormats

/// Timeouts, limits and proxy for provider requests.
public struct HTTPSettings: Sendable {
    /// Time to establish a connection (TCP and TLS).
    public var connectTimeout: Duration = .seconds(10)
    /// Longest wait for the next bytes of a response.
    public var readTimeout: Duration = .seconds(30)
    /// Longest time one attempt may take, connecting and reading included.
    public var totalTimeout: Duration = .seconds(60)
    /// Larger responses are refused: a script's memory is limited, and no provider list page
    /// comes near this.
    public var maximumResponseBytes = 32 << 20
    /// `http://host:port` to send HTTPS requests through, from `HTTPS_PROXY` by default.
    public var proxy: String?
    /// Hosts (and their subdomains) reached without the proxy, from `NO_PROXY`.
    public var noProxy: [String] = []
    /// Whether a plain `http://` request to an IP address or `localhost`, awaited by a thread
    /// that may block (a script's, waiting for its own request), is sent and read by that thread
    /// instead of through AsyncHTTPClient on an event loop: two thread wake-ups and most of a
    /// request's CPU fewer. HTTPS, proxies, host names and requests awaited anywhere else always
    /// go through AsyncHTTPClient.
    public var sendsPlainHTTPOnWaitingThread = true
    /// How long a plain-HTTP connection is kept idle for the next request: well inside the
    /// keep-alive time servers commonly allow (5 s for Node, 60 s for nginx), so a server is
    /// unlikely to close it just as a request goes out on it, which would leave a payment in
    /// doubt.
    public var idleConnectionLifetime: Duration = .seconds(2)
    /// How long a plain-HTTP connection may have been idle and still carry a GET or HEAD without
    /// first asking the kernel whether the server closed it, a system call a request. Servers
    /// close idle connections after seconds, some sending a 408 first that the request would
    /// read as its answer: the check finds those. One closed at once, unannounced, is found by
    /// the request failing before any answer, and the request goes again on a new connection.
    var uncheckedReuseTime: Duration = .milliseconds(1)

    public init() {}

    /// The defaults, with the proxy taken from `HTTPS_PROXY` / `https_proxy` and `NO_PROXY` /
    /// `no_proxy` in `environment`.
    public init(environment: [String: String]) {
        self.init()
        proxy = environment["HTTPS_PROXY"] ?? environment["https_proxy"]
        let exclusions = environment["NO_PROXY"] ?? environment["no_proxy"] ?? ""
        noProxy = exclusions.split(separator: ",").map { $0.trimming(" ").lowercased() }.filter { !$0.isEmpty }
    }

    /// Whether a request to `host` goes through the proxy.
    func usesProxy(for host: String) -> Bool {
        guard proxy != nil else { return false }
        let host = host.lowercased()
        return !noProxy.contains { entry in
            if entry == "*" { return true }
            let bare = entry.hasPrefix(".") ? String(entry.dropFirst()) : entry
            return host == bare || host.hasSuffix("." + bare)
        }
    }
}
