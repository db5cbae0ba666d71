// The example scripts in scripts/examples, run as a user runs them, against the built-in
// simulators (the default sandbox environment), with their output checked.
import Foundation
import Testing

@Suite struct ExampleScriptTests {
    @Test func dailyTotalsAddsADayExactlyByStatusAndCurrency() throws {
        let result = try PayrunProcess.run(["run", "scripts/examples/daily-totals.lua", "2024-03-01"])
        #expect(result.status == 0, "\(result.standardError)")
        // Seed 1's data: the same every run.
        #expect(result.standardOutput == """
            Particeep transactions on 2024-03-01 (sandbox): 14
              CANCELLED  USD      2        8002.00
              PENDING    GBP      2        3371.00
              REFUNDED   EUR      1        3063.00
              REFUNDED   USD      1        1570.00
              SUCCEEDED  EUR      7       18760.00
              SUCCEEDED  GBP      1        4165.00

            """)
        let bad = try PayrunProcess.run(["run", "scripts/examples/daily-totals.lua", "yesterday"])
        #expect(bad.status == 1)
        #expect(bad.standardError.contains("DAY must look like 2024-03-01, not yesterday"))
    }

    @Test func verboseTracesEveryPageRequest() throws {
        let result = try PayrunProcess.run(["run", "--verbose", "scripts/examples/daily-totals.lua", "2024-03-01"])
        #expect(result.status == 0)
        let traces = result.standardError.split(separator: "\n").filter { $0.hasPrefix("payrun: GET http://127.0.0.1:") }
        #expect(traces.count == 1, "one page of 200 holds the day")
        #expect(traces.first?.contains("/particeep/v1/transaction/search?") == true && traces.first?.contains(" → 200 in ") == true)
    }

    @Test func stalePendingListsTheOldestFirst() throws {
        let result = try PayrunProcess.run(["run", "scripts/examples/stale-pending.lua", "400"])
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.first?.contains("users have transactions pending since before") == true)
        let since = lines.dropFirst().compactMap { line -> String? in
            guard let range = line.range(of: "pending since ") else { return nil }
            return String(line[range.upperBound...].prefix(10))
        }
        #expect(since.count == 10)
        #expect(since == since.sorted(), "oldest first")
        #expect(lines.dropFirst().first?.contains("@example.com") == true, "users are looked up by id")
    }
}
