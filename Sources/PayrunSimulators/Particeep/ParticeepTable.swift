// One kind of Particeep object, kept in creation order with an index by id. Deleted objects
// leave a hole, so positions never move and a page without filters is a slice.

struct ParticeepTable<Record: ParticeepRecord>: Sendable {
    private var slots: [Record?] = []
    private var positions: [String: Int] = [:]
    /// Objects not deleted.
    private(set) var count = 0
    /// The number the next generated id carries.
    private var nextNumber = 1

    init(capacity: Int = 0) {
        slots.reserveCapacity(capacity)
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
        return record
    }

    /// Removes and returns the record with `id`, or nil if there is none.
    mutating func remove(_ id: String) -> Record? {
        guard let position = positions.removeValue(forKey: id), let record = slots[position] else { return nil }
        slots[position] = nil
        count -= 1
        return record
    }

    /// One page of the records `search` selects, and how many it selects in all.
    func page(_ search: ParticeepSearch) throws(ParticeepError) -> (total: Int, items: [Record]) {
        if search.selectsAll, search.sortBy == nil {
            // No filter: the total is known and, without holes, the page is a slice.
            guard count == slots.count else {
                return (count, Array(slots.lazy.compactMap { $0 }.dropFirst(search.offset).prefix(search.limit)))
            }
            let start = min(search.offset, slots.count)
            return (count, slots[start..<min(start + search.limit, slots.count)].map { $0! })
        }
        let matching = slots.lazy.compactMap { $0 }.filter(search.selects)
        if let field = search.sortBy {
            var sorted = Array(matching)
            try search.sort(&sorted, by: field)
            return (sorted.count, Array(sorted.dropFirst(search.offset).prefix(search.limit)))
        }
        var total = 0
        var items: [Record] = []
        for record in matching {
            if total >= search.offset, items.count < search.limit { items.append(record) }
            total += 1
        }
        return (total, items)
    }

    /// The records with these ids, in the order given, skipping unknown ones.
    func records(_ ids: some Sequence<String>) -> [Record] {
        ids.compactMap { self[$0] }
    }
}
