// What a session's lazy tables hold in Swift until Lua reads them (reply tables' results and
// responses, `p:paginate`'s pages) lies outside the script's memory limit: a script that kept
// every one unread would otherwise hold as much as it liked there. So a session counts it, and
// past its budget builds tables at once again, inside the limit.

/// The bytes a session's unread lazy tables hold in Swift. Touched only on the Lua thread.
final class UnreadTablesBudget {
    static let limit = 16 << 20
    var held = 0

    func allows(_ bytes: Int) -> Bool { held + bytes <= Self.limit }
}
