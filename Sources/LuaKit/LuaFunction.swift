// Swift closures as Lua functions: the Swift half of the trampoline in luashim.c.
import CLua
import CLuaShims

/// The body of a Swift function bound to Lua. It reads its arguments from the call, pushes its
/// results, and says how many there are; a thrown error is raised in Lua after it has returned.
public typealias LuaFunctionBody = (LuaCall) throws -> LuaReturn

/// How a Swift function bound to Lua finishes: with results, or by yielding its coroutine
/// (see ``LuaCall/yield(_:then:)``).
public struct LuaReturn: ExpressibleByIntegerLiteral, Sendable {
    let count: Int32
    let yields: Bool

    /// Returns the `count` values on top of the stack.
    @inlinable
    public static func values(_ count: Int) -> LuaReturn {
        LuaReturn(count: Int32(count), yields: false)
    }

    /// Returns nothing.
    public static var none: LuaReturn { .values(0) }

    @inlinable
    public init(integerLiteral count: Int) {
        self.init(count: Int32(count), yields: false)
    }

    @usableFromInline
    init(count: Int32, yields: Bool) {
        self.count = count
        self.yields = yields
    }
}

/// Holds a Swift function's closure for as long as Lua holds the function.
final class LuaFunctionBox {
    let body: LuaFunctionBody

    init(_ body: @escaping LuaFunctionBody) {
        self.body = body
    }
}

/// Called by the trampoline for every call of a Swift function and every resumption of one that
/// yielded. Nothing here raises: the outcome tells the trampoline what to do once this returns.
let luaKitEntry: luashim_entry = { L, context, base, outcome in
    let L = L!
    let outcome = outcome!
    let host = luashim_gethost(L)!
    let allowance = host.pointee.host_allowance
    host.pointee.host_allowance = 1  // the host's own pushes may pass the script's memory cap
    host.pointee.swift_depth += 1
    let stack = LuaStack(unsafeState: L)
    // Lua holds the box for as long as the function can be called: no retain needed here.
    Unmanaged<LuaFunctionBox>.fromOpaque(context!)._withUnsafeGuaranteedRef { box in
        do {
            let result = try box.body(LuaCall(stack: stack, base: base))
            outcome.pointee.status = Int32(result.yields ? LUASHIM_YIELD : LUASHIM_RETURN)
            outcome.pointee.count = result.count
        } catch {
            report(error, on: stack, base: base, outcome: outcome)
        }
    }
    host.pointee.swift_depth -= 1
    if host.pointee.swift_depth == 0 && host.pointee.pending_errors > 0 && lua_checkstack(L, 1) != 0 {
        lua_pushnil(L)
        lua_rawsetp(L, luashim_registryindex(), luashim_pendingerrorskey())
        host.pointee.pending_errors = 0
    }
    host.pointee.host_allowance = allowance
}

/// Releases a function's closure once Lua has collected it.
let luaKitRelease: luashim_release = { context in
    Unmanaged<LuaFunctionBox>.fromOpaque(context!).release()
}

/// Turns a Swift error into what the trampoline raises: the kept Lua value for a ``LuaError``
/// that came out of Lua, a standard argument error, or the error's description with the
/// caller's position in front, as `luaL_error` writes it.
private func report(
    _ error: any Error, on stack: LuaStack, base: Int32, outcome: UnsafeMutablePointer<luashim_outcome>
) {
    guard lua_checkstack(stack.L, 2) != 0 else {
        outcome.pointee.status = Int32(LUASHIM_NOSTACK)
        return
    }
    switch error {
    case let error as LuaArgumentError:
        outcome.pointee.argument = Int32(clamping: error.position)
        switch error.problem {
        case .type(let expected) where base > 0:
            // In a continuation the argument is not at its own position, where luaL_typeerror looks.
            let actual = stack.type(at: base + Int32(clamping: error.position))
            copy("\(expected) expected, got \(actual)", into: outcome)
            outcome.pointee.status = Int32(LUASHIM_ARGERROR)
        case .type(let expected):
            copy(expected, into: outcome)
            outcome.pointee.status = Int32(LUASHIM_TYPEERROR)
        case .message(var message):
            // Lua reads the message as a C string: a NUL would end it.
            if message.utf8.contains(0) { message = String(message.flatMap { $0 == "\0" ? Array("\\0") : [$0] }) }
            if message.utf8.count < MemoryLayout.size(ofValue: outcome.pointee.message) {
                copy(message, into: outcome)
                outcome.pointee.status = Int32(LUASHIM_ARGERROR)
            } else {
                // A long one whole, the reason at its end included (it quotes a long value).
                stack.push(message)
                outcome.pointee.status = Int32(LUASHIM_ARGERROR_LONG)
            }
        }
    case let error as LuaError:
        if let pending = error.pending, stack.pushKeptError(pending) {
            outcome.pointee.status = Int32(LUASHIM_ERROR)
        } else {
            stack.push(error.message)
            outcome.pointee.status = Int32(LUASHIM_ERROR)
        }
    case let error as any LuaRaisable:
        error.push(onto: stack)
        outcome.pointee.status = Int32(LUASHIM_ERROR)
    default:
        stack.push(String(describing: error))
        outcome.pointee.status = Int32(LUASHIM_MESSAGE)
    }
}

/// Copies `text` into the outcome's message buffer, cut at a character boundary if too long.
private func copy(_ text: String, into outcome: UnsafeMutablePointer<luashim_outcome>) {
    withUnsafeMutableBytes(of: &outcome.pointee.message) { buffer in
        var length = 0
        for character in text {
            let bytes = character.utf8
            guard length + bytes.count < buffer.count else { break }
            for byte in bytes {
                buffer[length] = byte
                length += 1
            }
        }
        buffer[length] = 0
    }
}

/// An error that knows which Lua value to raise, such as a table with a machine-readable code.
/// Other Swift errors are raised as their description, with the caller's position in front.
public protocol LuaRaisable: Error {
    /// Pushes the value Lua raises for this error (one value, with room already made for it).
    func push(onto stack: LuaStack)
}
