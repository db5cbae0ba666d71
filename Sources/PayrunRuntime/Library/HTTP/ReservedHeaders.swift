// Headers the connection's own framing and routing depend on: set by payrun from the URL and the
// body, never by a script. A `Content-Length` of a script's own left a body's bytes on a kept
// connection, read as the start of the next request; a `Host` could steer a shared front end to
// another site, with the credentials the request carries.
enum ReservedHeaders {
    static let names: Set<String> = [
        "host", ":authority", "connection", "content-length", "transfer-encoding", "te", "trailer", "upgrade", "keep-alive",
    ]

    /// The first of `names` a script may not set as a header, if any (a `Proxy-` one too).
    static func first(of headerNames: some Sequence<String>) -> String? {
        headerNames.first { name in
            let lowered = name.lowercased()
            return names.contains(lowered) || lowered.hasPrefix("proxy-")
        }
    }
}
