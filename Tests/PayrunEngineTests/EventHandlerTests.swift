// payrun.on from the engine: a run with an event hands it, after the file's main chunk, to every
// handler registered for its provider and type (or "*"), in order; argument errors in Lua's form.
import Foundation
import Payrun
import Testing

@Suite struct EventHandlerTests {
    let engine = PayrunEngine(.standard())

    static let handlers = """
        payrun.on("particeep", "*", function(event)
          print("any", event.provider, event.type, event.id, event.attempt, event.received_at, event.body.amount, #event.body.tags)
        end)
        payrun.on("particeep", "transaction_created", function(event) print("exact", event.body.id) end)
        payrun.on("peex", "failed", function(event) print("peex") end)
        """

    func run(_ source: String, event: HandlerEvent?) async throws -> ScriptResult {
        var options = RunOptions()
        options.event = event
        return try await engine.run(.text(source, name: "handlers.lua"), options: options)
    }

    static func event(type: String, body: String, provider: String = "particeep") -> HandlerEvent {
        HandlerEvent(provider: provider, type: type, id: "sha256:ab", body: Array(body.utf8), receivedAt: "2026-12-01T10:00:00.000Z", attempt: 2)
    }

    @Test func anEventGoesToEveryMatchingHandlerInOrder() async throws {
        let result = try await run(Self.handlers, event: Self.event(type: "transaction_created", body: #"{"id": "tr_1", "amount": 12.5, "tags": ["a", "b"]}"#))
        #expect(result.status == .success, "\(String(describing: result.error))")
        #expect(result.handlersRun == 2)
        #expect(result.output?.standardOutput == "any\tparticeep\ttransaction_created\tsha256:ab\t2\t2026-12-01T10:00:00.000Z\t12.5\t2\nexact\ttr_1\n")
        #expect(result.handlers == ["particeep *", "particeep transaction_created", "peex failed"])
    }

    @Test func anEventNoHandlerMatchesRunsNone() async throws {
        let result = try await run(Self.handlers, event: Self.event(type: "paid", body: "[]", provider: "peex"))
        #expect(result.status == .success && result.handlersRun == 0 && result.output?.standardOutput == "")
    }

    @Test func aRunThatFinishedEarlierSaysHowManyHandlersItRan() async throws {
        // A listener that stopped before recording an outcome finds the event's run finished when
        // it claims the event again: whether a handler took the event is that run's to say.
        var configuration = PayrunEngine.Configuration.standard()
        configuration.store = MemoryRunStore()
        let engine = PayrunEngine(configuration)
        let events = [(Self.event(type: "paid", body: "[]", provider: "peex"), 0), (Self.event(type: "transaction_created", body: #"{"id": "tr_1", "tags": []}"#), 2)]
        for (event, count) in events {
            var options = RunOptions()
            options.event = event
            options.runKey = "webhook \(event.provider) \(event.type)"
            options.skipsAFinishedJob = true
            let first = try await engine.run(.text(Self.handlers, name: "handlers.lua"), options: options)
            #expect(first.status == .success && first.handlersRun == count && first.finishedEarlier == nil)
            let again = try await engine.run(.text(Self.handlers, name: "handlers.lua"), options: options)
            #expect(again.finishedEarlier != nil && again.finishedEarlier == first.run?.id)
            #expect(again.handlersRun == count, "\(event.type): the earlier run handed it to \(count)")
            #expect(again.output?.standardOutput == "", "nothing ran again")
        }
        await engine.shutdown()
    }

    @Test func aBodyThatIsNotJSONIsHandedOverAsText() async throws {
        let result = try await run(#"payrun.on("particeep", "*", function(e) print(type(e.body), e.body) end)"#, event: Self.event(type: "x", body: "a=1&b=2"))
        #expect(result.output?.standardOutput == "string\ta=1&b=2\n")
    }

    @Test func withoutAnEventTheHandlersAreOnlyRegistered() async throws {
        let result = try await run(Self.handlers, event: nil)
        #expect(result.status == .success && result.handlersRun == nil && result.output?.standardOutput == "")
    }

    @Test func aHandlerThatRaisesFailsTheRunWithItsMessage() async throws {
        let result = try await run(#"payrun.on("particeep", "*", function(e) error("no ledger for " .. e.type) end)"#, event: Self.event(type: "user_created", body: "{}"))
        #expect(result.status == .scriptFailed)
        #expect(result.error?.message == "handlers.lua:1: no ledger for user_created")
    }

    @Test(arguments: [
        (#"payrun.on()"#, "bad argument #1 to 'on' (string expected, got no value)"),
        (#"payrun.on("capitalist", "*", print)"#, "bad argument #1 to 'on' (no provider 'capitalist' receives webhooks; these do: particeep, peex, tradevest)"),
        (#"payrun.on("peex")"#, "bad argument #2 to 'on' (string expected, got no value)"),
        (#"payrun.on("peex", "*", "print")"#, "bad argument #3 to 'on' (function expected, got string)"),
    ])
    func argumentErrorsSayWhatIsWrongAsLuaDoes(_ source: String, _ message: String) async throws {
        let result = try await run(source, event: nil)
        #expect(result.error?.message == "handlers.lua:1: " + message)
    }
}
