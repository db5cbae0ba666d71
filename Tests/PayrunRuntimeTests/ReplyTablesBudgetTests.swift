// What unread reply tables hold in Swift lies outside the script's memory limit, so a session
// counts it: each table adds its bytes, and gives them back when it is read, or collected unread
// (with its filler, which serves 64 tables); past the budget, results are built at once again,
// inside the limit.
import LuaKit
import PayrunFormats
import PayrunProviderKit
@testable import PayrunRuntime
import Testing

@Suite struct ReplyTablesBudgetTests {
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
        #expect(session.replyBudget.held == 150 * tape.byteCount)
        stack.pushField("amount", of: base + 1)          // the first read fills the table
        #expect(stack.type(at: -1) == .number)
        stack.pop()
        #expect(session.replyBudget.held == 149 * tape.byteCount)
        stack.top = base
        try state.collectGarbage()
        try state.collectGarbage()
        // Collected unread tables give their bytes back with their filler, once it has served its
        // 64 tables: what is left is the current filler's 22, not 149 tables' worth.
        #expect(session.replyBudget.held == (150 % ReplyTables.tablesEach) * tape.byteCount)
    }

    @Test func pastTheBudgetResultsAreBuiltAtOnce() throws {
        let session = session(), state = try state(), stack = state.stack
        session.replyBudget.held = ReplyTables.Budget.limit
        let tape = try JSONTape.parse(Array(#"{"id":"txn_1"}"#.utf8))
        try ProviderValues.pushResult(.parsed(tape.root), session: session, on: stack)
        // Built at once: nothing more held outside the limit, and the field is there.
        #expect(session.replyBudget.held == ReplyTables.Budget.limit)
        #expect(stack.pushField("id", of: -1) == .string)
    }
}
