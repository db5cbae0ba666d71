// Paths and URLs in the commands payrun prints for a person to run: read back as given, from
// whatever folder the person is in.
import Foundation
import PayrunRuntime
import Testing

@Suite struct ShellWordTests {
    @Test func aPrintedStoreIsWhereTheCommandFindsItFromAnyFolder() {
        let here = FileManager.default.currentDirectoryPath
        #expect(ShellWord.stateOption("st4.db") == "--state " + ShellWord.quoted(here + "/st4.db"))
        #expect(ShellWord.stateOption("./runs/st.db") == "--state " + ShellWord.quoted(here + "/runs/st.db"))
        #expect(ShellWord.stateOption("/var/lib/payrun/state.db") == "--state /var/lib/payrun/state.db")
        #expect(ShellWord.stateOption("postgres://ops@127.0.0.1:5432/payrun") == "--state postgres://ops@127.0.0.1:5432/payrun")
        #expect(ShellWord.stateOption("/tmp/my runs/it's.db") == #"--state '/tmp/my runs/it'\''s.db'"#)
    }
}
