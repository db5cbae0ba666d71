// The providers scripts can name: the built-in ones, and any a host adds.

/// Providers by name.
public struct ProviderRegistry: Sendable {
    private var providers: [String: any PaymentProvider] = [:]

    public init(_ providers: [any PaymentProvider] = []) {
        for provider in providers { register(provider) }
    }

    /// Adds `provider`, replacing one of the same name.
    public mutating func register(_ provider: any PaymentProvider) {
        providers[provider.name] = provider
    }

    public func provider(named name: String) -> (any PaymentProvider)? {
        providers[name]
    }

    /// The registered names, sorted.
    public var names: [String] { providers.keys.sorted() }

    /// The registered providers, by name.
    public var all: [any PaymentProvider] { names.compactMap { providers[$0] } }
}
