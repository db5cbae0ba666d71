// A request table's `method`, read alike for `payrun.http` and a provider's `p:request`: a
// method that is not one HTTP token (`"GE T"`, `""`) was sent as far as the transport, which
// blamed the URL; `CONNECT` asks for a tunnel, which a provider's server never answers, and the
// wait ended as a payment in doubt.
import LuaKit

enum MethodArgument {
    /// The `method` field of the table at `position`, upper-cased; GET when there is none.
    static func read(_ call: LuaCall, of position: Int) throws -> String {
        let method = try call.stringField("method", of: position)?.uppercased() ?? "GET"
        guard !method.isEmpty, method.utf8.allSatisfy({ (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }) else {
            throw LuaArgumentError.invalid(at: position, "field 'method' must be an HTTP method, like \"POST\"")
        }
        guard method != "CONNECT" else {
            throw LuaArgumentError.invalid(at: position, "field 'method': CONNECT asks a proxy for a tunnel; it is not a request to send")
        }
        return method
    }
}
