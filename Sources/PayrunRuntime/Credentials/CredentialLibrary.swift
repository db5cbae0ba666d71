// The Lua side of credentials: opaque handles a script can pass around but never open.
import LuaKit

/// What a script holds for a credential: its name and environment. The secret stays in the
/// store, read in Swift only when a request is signed.
public final class CredentialHandle: LuaObject {
    public static let luaTypeName = "payrun.credential"
    public static var luaMethods: [LuaRegistration] { [] }
    /// A handle prints as its name; the secret is not in Lua to print.
    public static var luaMetamethods: [LuaRegistration] { [
        LuaRegistration("__tostring") { call in
            let handle = try call.object(at: 1, as: CredentialHandle.self)
            call.stack.push("credential \(handle.name) (\(handle.environment))")
            return 1
        },
    ] }

    public let name: CredentialName
    public let environment: PayrunEnvironment

    init(name: CredentialName, environment: PayrunEnvironment) {
        self.name = name
        self.environment = environment
    }
}

/// `payrun.credential(name)` (or `(service, field)`) and `payrun.environment`.
enum CredentialLibrary {
    /// Adds the functions to the `payrun` table on top of the stack.
    /// - Parameter builtIn: credentials that exist without being configured (the simulators'
    ///   public ones, in `sandbox`).
    /// - Parameter hint: how to set a credential that is missing, for its error.
    static func install(
        on stack: LuaStack, store: any CredentialStore, environment: PayrunEnvironment, builtIn: Set<CredentialName> = [],
        hint: (@Sendable (CredentialName, PayrunEnvironment) -> String)? = nil
    ) throws(LuaError) {
        try stack.reserve(3)
        for function in functions(store: store, environment: environment, builtIn: builtIn, hint: hint) {
            stack.push(function: function.body)
            stack.setField(function.name, in: -2)
        }
        stack.push(environment.rawValue)
        stack.setField("environment", in: -2)
    }

    static func functions(
        store: any CredentialStore, environment: PayrunEnvironment, builtIn: Set<CredentialName> = [],
        hint: (@Sendable (CredentialName, PayrunEnvironment) -> String)? = nil
    ) -> [LuaRegistration] { [
        LuaRegistration("credential") { call in
            try credential(call, store: store, environment: environment, builtIn: builtIn, hint: hint)
        },
    ] }

    /// `payrun.credential("provider.field")` or `payrun.credential("service", "field")`: a
    /// handle, or an error saying how to set it.
    private static func credential(
        _ call: LuaCall, store: any CredentialStore, environment: PayrunEnvironment, builtIn: Set<CredentialName>,
        hint: (@Sendable (CredentialName, PayrunEnvironment) -> String)?
    ) throws -> LuaReturn {
        let text = try call.string(at: 1)
        let name: CredentialName
        if let field = try call.optionalString(at: 2) {
            guard let given = CredentialName("\(text).\(field)") else {
                throw LuaArgumentError.invalid(at: CredentialName("\(text).x") == nil ? 1 : 2,
                    "expected a service and a field in lower case, like (\"slack\", \"webhook_url\")")
            }
            name = given
        } else {
            guard let given = CredentialName(text) else {
                throw LuaArgumentError.invalid(at: 1, "expected 'provider.field', like 'particeep.api_secret', or a service and a field, like (\"slack\", \"webhook_url\")")
            }
            name = given
        }
        guard builtIn.contains(name) || store.secret(for: name, in: environment) != nil else {
            throw CredentialMissing(name: name, environment: environment, hint: hint?(name, environment))
        }
        call.stack.push(object: CredentialHandle(name: name, environment: environment))
        return 1
    }
}

/// A credential the script asked for that is not configured.
struct CredentialMissing: Error, CustomStringConvertible {
    let name: CredentialName
    let environment: PayrunEnvironment
    /// How to set it, as the host says.
    let hint: String?

    var description: String {
        "no credential \(name) in the \(environment) environment" + (hint.map { ": " + $0 } ?? "")
    }
}
