// What Peex needs in a payment request (providers.md §4), checked before anything is sent, with
// errors that name the field: a request Peex would refuse, or worse half-understand, never leaves.
import PayrunFormats
import PayrunProviderKit

enum PeexPaymentCheck {
    /// The fields of `clients/request_payment` (providers.md §4).
    static let fieldNames = [
        "track_id", "amount", "from_currency", "to_currency", "fxrate", "aml_cft", "mobile_phone", "email", "first_name", "last_name",
        "to_country", "sender_first_name", "sender_last_name", "sender_mobile_phone", "sender_email", "sender_country", "purpose",
        "fund_origin",
    ]

    /// The problems with `body`, one line each naming its field; empty when it can be sent.
    static func problems(_ body: JSONValue) -> [String] {
        guard case .object(let fields) = body else { return ["the payment must be a table of fields"] }
        // A misspelt field would be dropped by Peex and its default used: `to_currncy` paid in XAF.
        var problems = fields.keys.filter { !fieldNames.contains($0) }.sorted().map { NearestName.unknownField($0, among: fieldNames) }
        func text(_ name: String) -> String? { fields[name]?.string }
        for name in ["track_id", "first_name", "last_name", "purpose", "fund_origin"] where (text(name) ?? "").isEmpty {
            problems.append("\(name) is required")
        }
        switch fields["amount"] {
        case .integer(let amount)? where amount > 0: break
        case .number(let amount)? where amount > 0 && amount.isFinite: break
        case .exactNumber(let amount)? where (Double(amount) ?? 0) > 0: break
        case .string(let amount)? where isPositiveDecimal(amount): break
        default: problems.append("amount must be a positive number (a payrun.decimal for exact amounts)")
        }
        if fields["aml_cft"] != .bool(true) && fields["aml_cft"] != .integer(1) {
            problems.append("aml_cft must be true: Peex refuses a payment without the AML/CFT confirmation")
        }
        for name in ["from_currency", "to_currency"] where fields[name] != nil || name == "from_currency" {
            if !isCode(text(name), length: 3) { problems.append("\(name) must be an upper-case ISO 4217 code like XAF") }
        }
        for name in ["to_country", "sender_country"] where !isCode(text(name), length: 2) {
            problems.append("\(name) must be an upper-case ISO 3166 alpha-2 code like CM")
        }
        if let phone = text("mobile_phone") {
            if !isE164(phone) { problems.append("mobile_phone must be an E.164 number like +237677000001, not \(phone)") }
        } else if (text("email") ?? "").isEmpty || !(text("email") ?? "").contains("@") {
            problems.append("mobile_phone (E.164) or email of the beneficiary is required")
        }
        if !isE164(text("sender_mobile_phone") ?? "") { problems.append("sender_mobile_phone must be an E.164 number like +33612345678") }
        return problems
    }

    static func isE164(_ text: String) -> Bool {
        let digits = text.dropFirst()
        return text.hasPrefix("+") && (8...15).contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber } && digits.first != "0"
    }

    private static func isCode(_ text: String?, length: Int) -> Bool {
        guard let text else { return false }
        return text.count == length && text.allSatisfy { $0.isASCII && $0.isUppercase }
    }

    private static func isPositiveDecimal(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }) else { return false }
        return text.contains { $0 != "0" && $0 != "." }
    }
}
