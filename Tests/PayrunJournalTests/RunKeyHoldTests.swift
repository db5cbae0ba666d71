// A job's key held in this process, for stores on one machine: one holder at a time per store
// (one file by two paths being one store), each memory store apart, and a hold that lets go late
// (released twice, or dropped after its release) never freeing a newer holder's key.
import Foundation
import PayrunJournal
import PayrunTestSupport
import Testing

@Suite struct RunKeyHoldTests {
    @Test func aKeyIsHeldOnceAndALateReleaseDoesNotFreeTheNextHolders() async throws {
        let place = TestFiles.path("hold-store")
        try Data().write(to: URL(fileURLWithPath: place))
        var first = RunKeyHold.inThisProcess("nightly", at: place)
        #expect(first != nil)
        #expect(RunKeyHold.inThisProcess("nightly", at: place) == nil, "held")
        #expect(RunKeyHold.inThisProcess("weekly", at: place) != nil, "another key is free")
        await first?.release()
        let second = RunKeyHold.inThisProcess("nightly", at: place)
        #expect(second != nil, "free once released")
        // The first, released already, lets go again and is then dropped: the second still holds it.
        await first?.release()
        first = nil
        #expect(RunKeyHold.inThisProcess("nightly", at: place) == nil, "still the second's")
        await second?.release()
        #expect(RunKeyHold.inThisProcess("nightly", at: place) != nil)
    }

    @Test func aHoldDroppedUnreleasedLetsGo() {
        let place = TestFiles.path("dropped-store")
        do {
            let held = RunKeyHold.inThisProcess("nightly", at: place)
            #expect(held != nil && RunKeyHold.inThisProcess("nightly", at: place) == nil)
        }
        #expect(RunKeyHold.inThisProcess("nightly", at: place) != nil, "a run that lost its journal does not keep its key for the process's life")
    }

    @Test func oneFileByTwoPathsIsOneStoreAndMemoryStoresAreApart() async throws {
        let folder = TestFiles.path("linked-store")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: folder + "/state.db"))
        try FileManager.default.linkItem(atPath: folder + "/state.db", toPath: folder + "/hard-link.db")
        let held = RunKeyHold.inThisProcess("nightly", at: folder + "/state.db")
        #expect(held != nil)
        #expect(RunKeyHold.inThisProcess("nightly", at: folder + "/hard-link.db") == nil, "a hard link is the same file")
        #expect(RunKeyHold.inThisProcess("nightly", at: folder + "/./state.db") == nil)
        await held?.release()

        let one = MemoryRunStore(), other = MemoryRunStore()
        let inOne = try await one.holdKey("nightly")
        let again = try await one.holdKey("nightly")
        #expect(inOne != nil && again == nil)
        #expect(try await other.holdKey("nightly") != nil, "memory stores share no runs, nor keys")
    }
}
