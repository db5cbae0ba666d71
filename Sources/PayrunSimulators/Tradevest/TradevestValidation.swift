// The checks Tradevest makes before accepting a create: required fields, dates, IBANs and amounts,
// each problem reported the way its 400 lists them (field, code, message).
import Hummingbird
import PayrunFormats

enum TradevestValidation {
    /// A problem with one field: its name, Tradevest's code and a message.
    typealias Problem = (String, String, String)

    /// The request's body, which must be a JSON object.
    static func body(_ request: Request) async throws -> [String: JSONValue] {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        guard case .object(let fields)? = try? JSONValue.parse(buffer.readableBytesView) else {
            throw TradevestError.validation([("body", "INVALID_JSON", "the body must be a JSON object")])
        }
        return fields
    }

    static func required(_ body: [String: JSONValue], _ names: [String]) -> [Problem] {
        names.filter { body[$0]?.string?.isEmpty ?? true }.map { ($0, "REQUIRED", "is required") }
    }

    static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        return parts.count == 3 && parts[0].count == 4 && parts[1].count == 2 && parts[2].count == 2 && parts.allSatisfy { Int($0) != nil }
    }

    static func isIBAN(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return (15...34).contains(bytes.count) && bytes.prefix(2).allSatisfy { (65...90).contains($0) }
            && bytes.allSatisfy { (48...57).contains($0) || (65...90).contains($0) }
    }

    /// An amount (a number or a decimal string) in cents: more than 0, at most two decimals.
    static func cents(_ value: JSONValue?) -> Int? {
        let text: String
        switch value {
        case .integer(let number)?: text = String(number)
        case .number(let number)?: text = String(number)
        case .exactNumber(let number)?: text = number
        case .string(let string)?: text = string
        default: return nil
        }
        guard let cents = Cents.parse(text), cents > 0 else { return nil }
        return cents
    }

    /// Whether someone born on `birthDate` (`YYYY-MM-DD`) is under 18 this year, as Tradevest
    /// counts adults (by year of birth).
    static func isMinor(birthDate: String) -> Bool {
        guard let year = Int(birthDate.prefix(4)) else { return false }
        return year > UTCTime.year(of: UTCTime.now()) - 18
    }
}
