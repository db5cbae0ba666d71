// What a list or search request asks for: limit and offset, filters, global_search, the
// creation window and the order, read from the query with 400s for values that make no sense.
import Hummingbird
import PayrunFormats

struct ParticeepSearch: Sendable {
    var limit = 30
    var offset = 0
    /// Field name and the text it must equal.
    var filters: [(String, String)] = []
    var globalSearch: String?
    var createdAfter: Int?
    var createdBefore: Int?
    var sortBy: String?
    var descending = false
    var searchedFields: [String] = []

    /// True when nothing but limit, offset and order was asked for.
    var selectsAll: Bool {
        filters.isEmpty && globalSearch == nil && createdAfter == nil && createdBefore == nil
    }

    init() {}

    /// What every list and search reads besides its filters.
    static let parameters = ["limit", "offset", "sort_by", "order_by", "global_search", "created_after", "created_before"]

    /// Reads `limit`, `offset`, `sort_by`, `order_by`, `global_search`, `created_after`,
    /// `created_before` and the filters `filterable` allows, with the values `filterValues` lists
    /// for a filter that has a fixed set.
    init(_ query: Hummingbird.Parameters, filterable: [String], searchedFields: [String], filterValues: [String: [String]] = [:]) throws(ParticeepError) {
        // A misspelt filter (`sttus`) would select everything: refused, as the API's bad parameters are.
        for (name, _) in query where !Self.parameters.contains(String(name)) && !filterable.contains(String(name)) {
            throw .badRequest("unknown parameter '\(name)'; this search takes \((filterable + Self.parameters).joined(separator: ", "))")
        }
        limit = try Self.integer(query.get("limit"), named: "limit", default: 30, range: 1...1000)
        offset = try Self.integer(query.get("offset"), named: "offset", default: 0, range: 0...Int.max)
        filters = filterable.compactMap { name in query.get(name).map { (name, $0) } }
        // `status=PENDNG` would find nothing, and look like an empty day.
        for (name, value) in filters {
            if let allowed = filterValues[name], !allowed.contains(value) {
                throw .badRequest("\(name) must be one of \(allowed.joined(separator: ", ")), not '\(value)'")
            }
        }
        globalSearch = query.get("global_search").map { $0.lowercased() }.flatMap { $0.isEmpty ? nil : $0 }
        self.searchedFields = searchedFields
        createdAfter = try Self.date(query.get("created_after"), named: "created_after")
        createdBefore = try Self.date(query.get("created_before"), named: "created_before")
        sortBy = query.get("sort_by")
        switch query.get("order_by")?.lowercased() {
        case nil, "asc": descending = false
        case "desc": descending = true
        case let other?: throw .badRequest("order_by must be asc or desc, not '\(other)'")
        }
    }

    func selects(_ record: some ParticeepRecord) -> Bool {
        if let after = createdAfter, record.createdAt <= after { return false }
        if let before = createdBefore, record.createdAt >= before { return false }
        for (name, wanted) in filters where !Self.value(record.field(name), equals: wanted) { return false }
        if let text = globalSearch {
            return searchedFields.contains { record.field($0)?.string?.lowercased().contains(text) == true }
        }
        return true
    }

    /// Sorts by `field` (stable, so ties keep creation order); unknown fields are a 400.
    func sort<Record: ParticeepRecord>(_ records: inout [Record], by field: String) throws(ParticeepError) {
        guard Record.fields.contains(field) || records.contains(where: { $0.field(field) != nil }) else {
            throw .badRequest("sort_by: a \(Record.kind) has no field '\(field)'; try one of \(Record.fields.joined(separator: ", "))")
        }
        let descending = self.descending
        if field == "created_at" {
            records.sort { descending ? $0.createdAt > $1.createdAt : $0.createdAt < $1.createdAt }
            return
        }
        // Each key once, not twice per comparison.
        let keyed = records.map { ($0.field(field), $0) }.sorted { left, right in
            descending ? Self.ascending(right.0, left.0) : Self.ascending(left.0, right.0)
        }
        records = keyed.map(\.1)
    }

    /// Missing values first, numbers by value, everything else by its text.
    private static func ascending(_ left: JSONValue?, _ right: JSONValue?) -> Bool {
        switch (left, right) {
        case (nil, nil): false
        case (nil, _): true
        case (_, nil): false
        case (.integer(let a)?, .integer(let b)?): a < b
        case (.string(let a)?, .string(let b)?): a < b
        default: String(decoding: left!.encoded(), as: UTF8.self) < String(decoding: right!.encoded(), as: UTF8.self)
        }
    }

    private static func value(_ value: JSONValue?, equals text: String) -> Bool {
        switch value {
        case .string(let string)?: string == text
        case .integer(let number)?: Int(text) == number
        case .bool(let flag)?: text == (flag ? "true" : "false")
        default: false
        }
    }

    private static func integer(_ text: String?, named name: String, default value: Int, range: ClosedRange<Int>) throws(ParticeepError) -> Int {
        guard let text else { return value }
        guard let number = Int(text), range.contains(number) else {
            let upper = range.upperBound == Int.max ? "" : " to \(range.upperBound)"
            throw .badRequest("\(name) must be an integer from \(range.lowerBound)\(upper), not '\(text)'")
        }
        return number
    }

    private static func date(_ text: String?, named name: String) throws(ParticeepError) -> Int? {
        guard let text else { return nil }
        guard let seconds = UTCTime.seconds(fromDateOrDateTime: text) else {
            throw .badRequest("\(name) must be a date like 2024-01-31 or 2024-01-31T12:00:00Z, not '\(text)'")
        }
        return seconds
    }
}
