// One kind of Particeep object, kept in creation order with an index by id. Deleted objects
// leave a hole, so positions never move and a page without filters is a slice. Each record's JSON
// is kept once it has been served, until the record changes: writing it again for every page was
// most of the cost of a search.

struct ParticeepTable<Record: ParticeepRecord>: Sendable {
    private var slots: [Record?] = []
    /// The JSON of the record in the same slot, once served.
    private var encodings: [[UInt8]?] = []
    private var positions: [String: Int] = [:]
    /// Objects not deleted.
    private(set) var count = 0
    /// The number the next generated id carries.
    private var nextNumber = 1

    init(capacity: Int = 0) {
        slots.reserveCapacity(capacity)
        encodings.reserveCapacity(capacity)
        positions.reserveCapacity(capacity)
    }

    subscript(id: String) -> Record? {
        positions[id].flatMap { slots[$0] }
    }

    /// Every record, in creation order.
    var all: LazyMapSequence<LazyFilterSequence<LazyMapSequence<[Record?], Record?>>, Record> {
        slots.lazy.compactMap { $0 }
    }

    /// A fresh id: the prefix and a number no object has used.
    mutating func newID() -> String {
        defer { nextNumber += 1 }
        return "\(Record.idPrefix)_\(nextNumber)"
    }

    /// Adds `record`; false if its id is taken.
    @discardableResult
    mutating func insert(_ record: Record) -> Bool {
        guard positions[record.id] == nil else { return false }
        positions[record.id] = slots.count
        slots.append(record)
        encodings.append(nil)
        count += 1
        // Ids from a data file may use the generated form; new ones must not collide with them.
        if record.id.hasPrefix(Record.idPrefix + "_"), let number = Int(record.id.dropFirst(Record.idPrefix.count + 1)) {
            nextNumber = max(nextNumber, number + 1)
        }
        return true
    }

    /// Changes the record with `id` in place and returns it, or nil if there is none.
    mutating func update(_ id: String, _ change: (inout Record) throws(ParticeepError) -> Void) throws(ParticeepError) -> Record? {
        guard let position = positions[id], var record = slots[position] else { return nil }
        try change(&record)
        slots[position] = record
        encodings[position] = nil
        return record
    }

    /// Removes and returns the record with `id`, or nil if there is none.
    mutating func remove(_ id: String) -> Record? {
        guard let position = positions.removeValue(forKey: id), let record = slots[position] else { return nil }
        slots[position] = nil
        encodings[position] = nil
        count -= 1
        return record
    }

    /// The positions of one page of the records `search` selects, and how many it selects in all.
    func page(_ search: ParticeepSearch) throws(ParticeepError) -> (total: Int, positions: [Int]) {
        let live = slots.indices.lazy.filter { slots[$0] != nil }
        if search.selectsAll, search.sortBy == nil {
            // No filter: the total is known and, without holes, the page is a range.
            guard count == slots.count else {
                return (count, Array(live.dropFirst(search.offset).prefix(search.limit)))
            }
            let start = min(search.offset, slots.count)
            return (count, Array(start..<min(start + search.limit, slots.count)))
        }
        let matching = live.filter { search.selects(slots[$0]!) }
        if let field = search.sortBy {
            var sorted: [Record] = matching.map { slots[$0]! }
            try search.sort(&sorted, by: field)
            return (sorted.count, sorted.dropFirst(search.offset).prefix(search.limit).map { positions[$0.id]! })
        }
        var total = 0
        var page: [Int] = []
        for position in matching {
            if total >= search.offset, page.count < search.limit { page.append(position) }
            total += 1
        }
        return (total, page)
    }

    /// The records' JSON, kept for the next time they are served.
    mutating func json(at positions: [Int]) -> [[UInt8]] {
        positions.map { position in
            if let bytes = encodings[position] { return bytes }
            let bytes = slots[position]!.encoded()
            encodings[position] = bytes
            return bytes
        }
    }

    /// The JSON of the records with these ids, in the order given, skipping unknown ones.
    mutating func json(ids: some Sequence<String>) -> [[UInt8]] {
        json(at: ids.compactMap { positions[$0] }.filter { slots[$0] != nil })
    }
}
