// Where credentials live: a protocol, with an in-memory store beside the file-backed one.

/// A place credentials are kept, per environment.
public protocol CredentialStore: Sendable {
    /// The secret for `name` in `environment`, if the store has one.
    func secret(for name: CredentialName, in environment: PayrunEnvironment) -> Secret?
    /// Every credential the store has, by environment, sorted.
    func names(in environment: PayrunEnvironment) -> [CredentialName]
}

/// A store held in memory: for tests, and for hosts that fetch secrets from elsewhere.
public struct MemoryCredentialStore: CredentialStore {
    public var entries: [PayrunEnvironment: [CredentialName: Secret]]

    public init(_ entries: [PayrunEnvironment: [CredentialName: Secret]] = [:]) {
        self.entries = entries
    }

    public func secret(for name: CredentialName, in environment: PayrunEnvironment) -> Secret? {
        entries[environment]?[name]
    }

    public func names(in environment: PayrunEnvironment) -> [CredentialName] {
        (entries[environment] ?? [:]).keys.sorted()
    }

    public mutating func set(_ secret: Secret, for name: CredentialName, in environment: PayrunEnvironment) {
        entries[environment, default: [:]][name] = secret
    }

    @discardableResult
    public mutating func remove(_ name: CredentialName, in environment: PayrunEnvironment) -> Bool {
        entries[environment]?.removeValue(forKey: name) != nil
    }
}

/// Environment variables over a store: `PAYRUN_<ENV>_<PROVIDER>_<FIELD>`, upper-cased, with `-`
/// as `_` (e.g. `PAYRUN_LIVE_PARTICEEP_API_SECRET`), win over what the store holds.
public struct EnvironmentOverrides: CredentialStore {
    public let base: any CredentialStore
    public let variables: [String: String]

    public init(over base: any CredentialStore, variables: [String: String]) {
        self.base = base
        self.variables = variables
    }

    public static func variableName(for name: CredentialName, in environment: PayrunEnvironment) -> String {
        ["PAYRUN", environment.rawValue, name.provider, name.field]
            .joined(separator: "_").uppercased().replacingDashes()
    }

    public func secret(for name: CredentialName, in environment: PayrunEnvironment) -> Secret? {
        if let value = variables[Self.variableName(for: name, in: environment)] { return Secret(value) }
        return base.secret(for: name, in: environment)
    }

    /// The store's names and those the variables add. A variable's provider is the word after
    /// the environment (provider names have no `_`), the field the rest.
    public func names(in environment: PayrunEnvironment) -> [CredentialName] {
        let prefix = "PAYRUN_\(environment.rawValue.uppercased())_"
        var names = Set(base.names(in: environment))
        for variable in variables.keys where variable.hasPrefix(prefix) {
            let rest = variable.dropFirst(prefix.count).lowercased()
            guard let underscore = rest.firstIndex(of: "_"),
                let name = CredentialName("\(rest[..<underscore]).\(rest[rest.index(after: underscore)...])")
            else { continue }
            names.insert(name)
        }
        return names.sorted()
    }
}

extension String {
    fileprivate func replacingDashes() -> String {
        String(map { $0 == "-" ? "_" : $0 })
    }
}
