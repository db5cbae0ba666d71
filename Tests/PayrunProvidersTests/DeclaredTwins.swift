// The built-in providers that also exist as definitions in Lua (docs/examples/providers/), so a
// test can run against both and show that a declared provider does what the Swift one does.
import PayrunDeclaredProviders
import PayrunProviders
import PayrunRuntime
import Testing

/// Which of a provider's two implementations a test runs against.
enum ProviderImplementation: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case swift, declared

    var testDescription: String { rawValue }

    /// The provider called `name`: built in, or read from docs/examples/providers/NAME.lua.
    func provider(_ name: String) -> any PaymentProvider {
        switch self {
        case .swift: BuiltInProviders.registry.provider(named: name)!
        case .declared: Self.declared(name)
        }
    }

    /// The built-in providers, with `name` replaced by its definition when declared.
    func registry(replacing name: String) -> ProviderRegistry {
        var registry = BuiltInProviders.registry
        registry.register(provider(name))
        return registry
    }

    static func declared(_ name: String) -> DeclaredProvider {
        let root = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        do {
            return try DeclaredProvider(file: "/\(root)/docs/examples/providers/\(name).lua")
        } catch {
            fatalError("the declared \(name) does not load: \(error)")
        }
    }
}
