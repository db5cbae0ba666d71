// payrun.decimal: exact decimal numbers for Lua scripts, with Lua's operators, so money adds up
// to the cent. Arithmetic with plain numbers and numeric strings converts them exactly first.
import LuaKit

/// A decimal as Lua holds it.
public final class DecimalValue: LuaObject {
    public static let luaTypeName = "payrun.decimal"
    public let value: DecimalNumber

    public init(_ value: DecimalNumber) {
        self.value = value
    }

    public static var luaMethods: [LuaRegistration] { [
        LuaRegistration("abs") { call in try push(call, try operand(call, 1).magnitude) },
        LuaRegistration("add") { call in try push(call, try operand(call, 1).adding(try operand(call, 2))) },
        LuaRegistration("cmp") { call in
            call.stack.push(DecimalNumber.compare(try operand(call, 1), try operand(call, 2)))
            return 1
        },
        LuaRegistration("div") { call in
            let scale = try call.integer(at: 3)
            let rounding = try DecimalLibrary.rounding(call, at: 4)
            return try push(call, try operand(call, 1).dividing(by: try operand(call, 2), scale: scale, rounding: rounding))
        },
        LuaRegistration("iszero") { call in
            call.stack.push(try operand(call, 1).isZero)
            return 1
        },
        LuaRegistration("mul") { call in try push(call, try operand(call, 1).multiplying(try operand(call, 2))) },
        LuaRegistration("neg") { call in try push(call, try operand(call, 1).negated) },
        LuaRegistration("round") { call in
            let scale = try call.integer(at: 2)
            return try push(call, try operand(call, 1).rounded(scale: scale, try DecimalLibrary.rounding(call, at: 3)))
        },
        LuaRegistration("scale") { call in
            call.stack.push(try operand(call, 1).scale)
            return 1
        },
        LuaRegistration("sign") { call in
            call.stack.push(try operand(call, 1).sign)
            return 1
        },
        LuaRegistration("sub") { call in try push(call, try operand(call, 1).subtracting(try operand(call, 2))) },
        LuaRegistration("tonumber") { call in
            call.stack.push(try operand(call, 1).doubleValue)
            return 1
        },
        LuaRegistration("tostring") { call in
            call.stack.push(try operand(call, 1).description)
            return 1
        },
        LuaRegistration("units") { call in
            call.stack.push(try operand(call, 1).units(scale: try call.integer(at: 2)))
            return 1
        },
    ] }

    public static var luaMetamethods: [LuaRegistration] { [
        LuaRegistration("__add") { call in try push(call, try operand(call, 1).adding(try operand(call, 2))) },
        LuaRegistration("__concat") { call in
            // "total: " .. d, and d .. " EUR": the decimal's text, the other side as Lua would.
            var text = ""
            for position in 1...2 {
                if let decimal = call.stack.object(at: call.index(of: position), as: DecimalValue.self) {
                    text += decimal.value.description
                } else {
                    guard call.type(at: position) == .string || call.type(at: position) == .number else {
                        throw LuaArgumentError.type(at: position, expected: "string")
                    }
                    text += try call.string(at: position)
                }
            }
            call.stack.push(text)
            return 1
        },
        LuaRegistration("__div") { call in try push(call, try operand(call, 1).dividingExactly(by: try operand(call, 2))) },
        LuaRegistration("__eq") { call in
            call.stack.push(try operand(call, 1) == operand(call, 2))
            return 1
        },
        LuaRegistration("__le") { call in
            call.stack.push(try operand(call, 1) <= operand(call, 2))
            return 1
        },
        LuaRegistration("__lt") { call in
            call.stack.push(try operand(call, 1) < operand(call, 2))
            return 1
        },
        LuaRegistration("__mul") { call in try push(call, try operand(call, 1).multiplying(try operand(call, 2))) },
        LuaRegistration("__sub") { call in try push(call, try operand(call, 1).subtracting(try operand(call, 2))) },
        LuaRegistration("__tostring") { call in
            call.stack.push(try operand(call, 1).description)
            return 1
        },
        LuaRegistration("__unm") { call in try push(call, try operand(call, 1).negated) },
        // string.format's question (`luashim_string_format`): how the decimal prints under a spec.
        LuaRegistration("__format") { call in
            switch DecimalFormat.appearance(of: try operand(call, 1), spec: try call.string(at: 2)) {
            case .text(let text): call.stack.push(text)
            case .integer(let integer): call.stack.push(integer)
            case .float(let number): call.stack.push(number)
            case .refused(let message):
                call.stack.pushNil()
                call.stack.push(message)
                return 2
            case .unchanged: call.stack.pushNil()
            }
            return 1
        },
    ] }

    private static func push(_ call: LuaCall, _ value: DecimalNumber) throws -> LuaReturn {
        call.stack.push(object: DecimalValue(value))
        return 1
    }

    /// Argument `position` as a decimal: a decimal, an integer, a float (its shortest digits) or
    /// a numeric string.
    static func operand(_ call: LuaCall, _ position: Int) throws(LuaArgumentError) -> DecimalNumber {
        if let decimal = call.stack.object(at: call.index(of: position), as: DecimalValue.self) { return decimal.value }
        switch call.type(at: position) {
        case .number:
            let index = call.index(of: position)
            if let integer = call.stack.integer(at: index) { return DecimalNumber(integer) }
            let number = call.stack.number(at: index)!
            guard let decimal = DecimalNumber(number) else {
                throw .invalid(at: position, "\(number) has no exact decimal form (within 38 places)")
            }
            return decimal
        case .string:
            let text = try call.string(at: position)
            guard let decimal = DecimalNumber(text) else {
                // A number, written well, with too many digits is said as that, not as a typo.
                let wellFormed = Double(text) != nil && text.utf8.allSatisfy { "0123456789+-.eE".utf8.contains($0) }
                throw .invalid(at: position, wellFormed ? "'\(text)' does not fit a decimal: at most 38 digits, and 38 places" : "'\(text)' is not a decimal number")
            }
            return decimal
        default:
            throw .type(at: position, expected: "decimal")
        }
    }
}

/// The `payrun.decimal` library.
enum DecimalLibrary {
    static var functions: [LuaRegistration] { [
        LuaRegistration("isdecimal") { call in
            try call.checkAny(at: 1)
            call.stack.push(call.stack.object(at: call.index(of: 1), as: DecimalValue.self) != nil)
            return 1
        },
        LuaRegistration("new") { call in
            try call.checkAny(at: 1)
            call.stack.push(object: DecimalValue(try DecimalValue.operand(call, 1)))
            return 1
        },
        LuaRegistration("sum") { call in
            try call.check(.table, at: 1)
            let stack = call.stack
            var total = DecimalNumber.zero
            let count = stack.rawLength(at: call.index(of: 1))
            for item in 0..<count {
                stack.pushElement(item + 1, of: call.index(of: 1))
                defer { stack.pop() }
                guard let value = try? DecimalValue.operand(call, call.argumentCount) else {
                    throw LuaArgumentError.invalid(at: 1, "item \(item + 1) is not a decimal, a number or a numeric string")
                }
                total = try total.adding(value)
            }
            stack.push(object: DecimalValue(total))
            return 1
        },
        LuaRegistration("trynew") { call in
            try call.checkAny(at: 1)
            do throws(LuaArgumentError) {
                call.stack.push(object: DecimalValue(try DecimalValue.operand(call, 1)))
                return 1
            } catch {
                // As `tonumber` would say it, were it to say: not an argument error.
                call.stack.pushNil()
                call.stack.push(error.reason)
                return 2
            }
        },
        LuaRegistration("units") { call in
            let units = try call.integer(at: 1)
            let scale = try call.integer(at: 2)
            guard (0...DecimalNumber.maximumScale).contains(scale) else {
                throw LuaArgumentError.invalid(at: 2, "scale must be from 0 to 38")
            }
            call.stack.push(object: DecimalValue(DecimalNumber(significand: Int128(units), scale: scale)))
            return 1
        },
    ] }

    /// Pushes the library table, with `ROUNDING` names listed.
    static func push(onto stack: LuaStack) throws(LuaError) {
        try stack.reserve(3)
        stack.push(library: functions)
        stack.pushTable(fieldCapacity: DecimalNumber.Rounding.allCases.count)
        for mode in DecimalNumber.Rounding.allCases {
            stack.push(mode.rawValue)
            stack.setField(mode.rawValue, in: -2)
        }
        stack.setField("rounding", in: -2)
    }

    /// Argument `position`: a rounding name, half_even when absent.
    static func rounding(_ call: LuaCall, at position: Int) throws(LuaArgumentError) -> DecimalNumber.Rounding {
        guard let name = try call.optionalString(at: position) else { return .halfEven }
        guard let mode = DecimalNumber.Rounding(rawValue: name) else {
            throw .invalid(at: position, "rounding must be one of \(DecimalNumber.Rounding.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return mode
    }
}
