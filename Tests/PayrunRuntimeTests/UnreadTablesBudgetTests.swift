// What unread reply tables and pages hold in Swift lies outside the script's memory limit, so a
// session counts it: each table adds its bytes, and gives them back when it is read, or collected
// unread (with its filler, which serves 64 tables); a page of `p:paginate` adds its parsed answer
// until it is collected. Past the budget, results and pages are built at once again, inside the
// limit.
import LuaKit
import PayrunFormats
import PayrunProviderKit
@testable import PayrunRuntime
import Testing

@Suite struct UnreadTablesBudgetTests {
    func session() -> ProviderSession {
        ProviderSession(registry: ProviderRegistry(), environment: .sandbox, credentials: MemoryCredentialStore())
    }

    func state() throws -> LuaState {
        let state = try LuaState()
        state.stack.openLazyTables()
        try JSONLibrary.push(onto: state.stack)
        state.stack.pop()
        return state
    }

    @Test func unreadTablesHoldTheirBytesUntilReadOrCollected() throws {
        let session = session(), state = try state(), stack = state.stack
        let tape = try JSONTape.parse(Array(#"{"id":"txn_1","amount":1200,"tags":["a"]}"#.utf8))
        let base = stack.top
        // 150 results: three fillers' worth.
        for _ in 0..<150 { try ProviderValues.pushResult(.parsed(tape.root), session: session, on: stack) }
        #expect(session.unreadBudget.held == 150 * tape.byteCount)
        stack.pushField("amount", of: base + 1)          // the first read fills the table
        #expect(stack.type(at: -1) == .number)
        stack.pop()
        #expect(session.unreadBudget.held == 149 * tape.byteCount)
        stack.top = base
        try state.collectGarbage()
        try state.collectGarbage()
        // Collected unread tables give their bytes back with their filler, once it has served its
        // 64 tables: what is left is the current filler's 22, not 149 tables' worth.
        #expect(session.unreadBudget.held == (150 % ReplyTables.tablesEach) * tape.byteCount)
    }

    @Test func pastTheBudgetResultsAreBuiltAtOnce() throws {
        let session = session(), state = try state(), stack = state.stack
        session.unreadBudget.held = UnreadTablesBudget.limit
        let tape = try JSONTape.parse(Array(#"{"id":"txn_1"}"#.utf8))
        try ProviderValues.pushResult(.parsed(tape.root), session: session, on: stack)
        // Built at once: nothing more held outside the limit, and the field is there.
        #expect(session.unreadBudget.held == UnreadTablesBudget.limit)
        #expect(stack.pushField("id", of: -1) == .string)
    }

    static let page = #"[{"id":"txn_1","amount":1200},{"id":"txn_2","amount":300},{"id":"txn_3","amount":45}]"#

    @Test func anUnreadPageHoldsItsAnswerUntilCollected() throws {
        let session = session(), state = try state(), stack = state.stack
        let tape = try JSONTape.parse(Array(Self.page.utf8))
        let base = stack.top
        try JSONLibrary.pushPage(tape.root, budget: session.unreadBudget, reads: RecordReads(), on: stack)
        try JSONLibrary.pushPage(tape.root, budget: session.unreadBudget, reads: RecordReads(), on: stack)
        #expect(session.unreadBudget.held == 2 * tape.byteCount)
        // A record read is filled; the page is held all the same, for its others.
        _ = stack.pushElement(2, of: base + 1)
        #expect(stack.pushField("amount", of: -1) == .number)
        #expect(session.unreadBudget.held == 2 * tape.byteCount)
        stack.top = base + 1
        try state.collectGarbage()
        try state.collectGarbage()
        #expect(session.unreadBudget.held == tape.byteCount)
        stack.top = base
        try state.collectGarbage()
        try state.collectGarbage()
        #expect(session.unreadBudget.held == 0)
    }

    @Test func pastTheBudgetAPageIsBuiltAtOnce() throws {
        let session = session(), state = try state(), stack = state.stack
        session.unreadBudget.held = UnreadTablesBudget.limit - 10
        let tape = try JSONTape.parse(Array(Self.page.utf8))
        try JSONLibrary.pushPage(tape.root, budget: session.unreadBudget, reads: RecordReads(), on: stack)
        // Nothing more held outside the limit, and every record is there whole.
        #expect(session.unreadBudget.held == UnreadTablesBudget.limit - 10)
        #expect(stack.rawLength(at: -1) == 3)
        _ = stack.pushElement(3, of: -1)
        #expect(stack.pushField("id", of: -1) == .string && stack.string(at: -1) == "txn_3")
    }

    @Test func recordsGetRoomForTheirFieldsWhileTheLoopReadsMostOfEachPage() {
        let reads = RecordReads()
        #expect(reads.sizesNextPage(of: 4), "the first page")
        #expect(!reads.sizesNextPage(of: 4), "none of the first read")
        reads.filled = 2
        #expect(reads.sizesNextPage(of: 4), "half of the second read")
        reads.filled = 1
        #expect(!reads.sizesNextPage(of: 4), "a quarter of the third read")
    }

    @Test func aPageAfterOneLeftUnreadStillReadsWhole() throws {
        let session = session(), state = try state(), stack = state.stack
        let tape = try JSONTape.parse(Array(Self.page.utf8))
        let reads = RecordReads()
        let base = stack.top
        try JSONLibrary.pushPage(tape.root, budget: session.unreadBudget, reads: reads, on: stack)
        try JSONLibrary.pushPage(tape.root, budget: session.unreadBudget, reads: reads, on: stack)
        // The second page's records were made without room: each reads whole all the same.
        for position in 1...3 {
            _ = stack.pushElement(position, of: base + 2)
            #expect(stack.pushField("id", of: -1) == .string && stack.string(at: -1) == "txn_\(position)")
            stack.pop()
            #expect(stack.pushField("amount", of: -1) == .number && stack.integer(at: -1) == [1200, 300, 45][position - 1])
            stack.pop(2)
        }
        #expect(reads.filled == 3)
    }
}
