// `postgres://user@host:port/database`: what --state says, read into a client configuration.
// A password is never taken from the URL (it would sit in shell history and process lists): it
// comes from PGPASSWORD or the server trusts the user (peer, trust, or a client certificate).
import PayrunJournal
import PostgresNIO

struct PostgresLocation {
    let client: PostgresClient.Configuration
    /// The same, for one connection of its own (``PostgresDatabase/open(_:password:)``'s first);
    /// nil with TLS, whose context a lone connection would need made by hand.
    let connection: PostgresConnection.Configuration?
    /// The URL as messages show it.
    let shown: String

    /// - Parameter password: the password when PGPASSWORD gives none (from payrun's credential store).
    init(_ url: String, password stored: String? = nil) throws(StoreError) {
        // A password first, looked for before anything splits the URL (it may hold `?` or `/`):
        // a URL that holds one is never quoted.
        guard let scheme = url.range(of: "://") else { throw Self.refuse(String(url.prefix { $0 != "?" && $0 != "@" }), "it is not a postgres:// URL") }
        let afterScheme = url[scheme.upperBound...]
        if let lastAt = afterScheme.lastIndex(of: "@"), afterScheme[..<lastAt].contains(where: { $0 == ":" || $0 == "?" || $0 == "/" }) {
            throw Self.refuse("postgres://…", "it holds a password; give it in PGPASSWORD instead, never on the command line")
        }
        // Messages quote the URL without its query: a parameter's value is never shown.
        let plain = String(url.prefix { $0 != "?" })
        let rest = String(plain[plain.range(of: "://")!.upperBound...])
        let query = url.dropFirst(plain.count + 1).split(separator: "&")
        for parameter in query {
            let name = parameter.prefix { $0 != "=" }
            if name == "sslmode" { continue }
            guard name != "password" else {
                throw Self.refuse("postgres://…", "it holds a password (?password=); give it in PGPASSWORD instead, never on the command line")
            }
            throw Self.refuse(plain, "?\(name.prefix(40)) is not read: the one parameter payrun reads is ?sslmode=")
        }
        guard let at = rest.lastIndex(of: "@") else { throw Self.refuse(plain, "it names no user (postgres://USER@HOST/DATABASE)") }
        let user = String(rest[..<at])
        let place = rest[rest.index(after: at)...]
        guard let slash = place.firstIndex(of: "/") else { throw Self.refuse(plain, "it names no database (postgres://USER@HOST/DATABASE)") }
        let hostPort = place[..<slash]
        let database = String(place[place.index(after: slash)...])
        var host = String(hostPort)
        var port = 5432
        if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            guard let number = Int(hostPort[hostPort.index(after: colon)...]) else { throw Self.refuse(plain, "its port is not a number") }
            port = number
        }
        guard !host.isEmpty, !database.isEmpty, !user.isEmpty else { throw Self.refuse(plain, "it needs a user, a host and a database") }
        // The one query parameter read: TLS for the pool, for the first connection, and in the URL shown.
        let sslmode = query.first { $0.hasPrefix("sslmode=") }?.dropFirst("sslmode=".count)
        let tls: PostgresClient.Configuration.TLS
        switch sslmode {
        case nil, "disable"?: tls = .disable
        case "prefer"?: tls = .prefer(.makeClientConfiguration())
        case "require"?, "verify-full"?: tls = .require(.makeClientConfiguration())
        case let other?: throw Self.refuse(plain, "sslmode=\(other) is not one of disable, prefer, require, verify-full")
        }
        let password = getenv("PGPASSWORD").map { String(cString: $0) } ?? stored
        var client = PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
        client.options.minimumConnections = 0
        client.options.maximumConnections = 8
        // The server ends a statement that runs longer than payrun waits for it (and a wait for a
        // lock), so that one given up on does not commit later. Commits are not flushed to disk
        // unless they must be (received events, a request's intent: those say so): claims,
        // outcomes and runs' bookkeeping are flushed with the next that is, as in SQLite, where
        // they are written without a sync. WAL order means none is lost while a later one is kept.
        client.options.additionalStartupParameters = [
            ("statement_timeout", "10s"), ("lock_timeout", "10s"), ("synchronous_commit", "off"),
        ]
        self.client = client
        connection = sslmode == nil || sslmode == "disable"
            ? PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: .disable)
            : nil
        // With its sslmode, so that a command printed with it connects as this one did.
        shown = "postgres://\(user)@\(host):\(port)/\(database)" + (sslmode.map { "?sslmode=" + $0 } ?? "")
    }

    private static func refuse(_ url: String, _ problem: String) -> StoreError {
        StoreError(location: url, message: problem, remedy: "write --state as postgres://USER@HOST:PORT/DATABASE")
    }
}

#if canImport(Glibc)
import Glibc
#endif
