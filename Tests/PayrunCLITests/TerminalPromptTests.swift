// The questions payrun puts to a person at a real terminal, outside the REPL: a secret typed with
// echo off, and a live mutation's yes asked on the controlling terminal.
import Foundation
import PayrunTestSupport
import Testing

@Suite struct TerminalPromptTests {
    @Test func aSecretTypedAtTheTerminalIsNotEchoedAndIsKept() async throws {
        let configHome = TestFiles.path("payrun-config")
        defer { try? FileManager.default.removeItem(atPath: configHome) }
        let environment = ["XDG_CONFIG_HOME": configHome]
        try await offThePool {
            let terminal = try PseudoTerminal(["credentials", "set", "peex.secret_key", "--env", "test"], environment: environment)
            try terminal.waitFor("peex.secret_key")
            terminal.type("pk_test_71c3e0aa\r")
            #expect(terminal.exitStatus() == 0, "\(terminal.screenText)")
            #expect(!terminal.screenText.contains("pk_test_71c3e0aa"), "the secret was echoed:\n\(terminal.screenText)")
        }
        let list = try await PayrunProcess.run(["credentials", "list"], environment: environment)
        #expect(list.standardOutput == "test\tpeex.secret_key\t•••• (16 bytes)\n")
    }

    @Test func aLiveMutationAsksOnTheTerminalAndANoSendsNothing() async throws {
        // Credentials for live so the client can be made; a proxy that refuses every connection,
        // so that nothing could leave this machine even if the request were sent.
        let environment = [
            "PAYRUN_LIVE_PARTICEEP_API_KEY": "live-key-for-a-test", "PAYRUN_LIVE_PARTICEEP_API_SECRET": "live-secret-for-a-test",
            "HTTPS_PROXY": "http://127.0.0.1:1", "XDG_CONFIG_HOME": TestFiles.path("payrun-none"),
        ]
        let script = """
            local p = payrun.provider("particeep")
            local t, err = p:tryrequest({ method = "PUT", path = "/transaction", body = { amount = 5, currency = "EUR" } })
            print("result", t, err.code, err.message)
            """
        try await offThePool {
            let terminal = try PseudoTerminal(["run", "--env", "live", "-e", script], environment: environment)
            try terminal.waitFor("in LIVE (real money)? Type yes to send: ")
            #expect(terminal.screenText.contains(#"send PUT https://api.particeep.com/v1/transaction with {"amount":5,"currency":"EUR"} to particeep"#))
            terminal.type("no\r")
            try terminal.waitFor("result\tnil\tpayrun.not_confirmed")
            #expect(terminal.exitStatus() == 0, "\(terminal.screenText)")
            #expect(terminal.screenText.contains("was not confirmed"))
        }
    }
}
