// payrun.csv against the pure-Lua reader the examples carried before it (scripts/examples/csv.lua
// until issue 21) and against Python's csv module: the same ~20 MB payout file read into rows
// keyed by the header, each program started as a user would (start-up measured and left out).
// Then a 100 MB file streamed by `payrun.csv.file`, with the process's peak resident memory.
#if canImport(Glibc)
import Glibc
#endif

enum CSVBenchmark {
    static let payrunScript = """
        local n, total = 0, 0
        for row in payrun.csv.file(1) do n, total = n + 1, total + #row.amount end
        print(n, total)
        """

    /// The reader the examples carried (RFC 4180, a character at a time), then the same loop.
    static let pureLuaScript = """
        local function records(text)
          local records, record, field = {}, {}, {}
          local function finish_record()
            record[#record + 1] = table.concat(field)
            field = {}
            if #record > 1 or record[1] ~= "" then records[#records + 1] = record end
            record = {}
          end
          local i, n, quoted = 1, #text, false
          while i <= n do
            local c = text:sub(i, i)
            if quoted then
              if c == '"' and text:sub(i + 1, i + 1) == '"' then
                field[#field + 1] = '"'
                i = i + 1
              elseif c == '"' then
                quoted = false
              else
                field[#field + 1] = c
              end
            elseif c == '"' then
              quoted = true
            elseif c == "," then
              record[#record + 1] = table.concat(field)
              field = {}
            elseif c == "\\r" or c == "\\n" then
              if c == "\\r" and text:sub(i + 1, i + 1) == "\\n" then i = i + 1 end
              finish_record()
            else
              field[#field + 1] = c
            end
            i = i + 1
          end
          if quoted then error("csv: a quoted field is never closed", 2) end
          finish_record()
          return records
        end
        local all = records(payrun.input(1))
        local header = table.remove(all, 1)
        local n, total = 0, 0
        for _, record in ipairs(all) do
          local row = {}
          for i, name in ipairs(header) do row[name] = record[i] end
          n, total = n + 1, total + #row.amount
        end
        print(n, total)
        """

    static let python = """
        import csv, sys
        if sys.argv[1] != "none":
            n = total = 0
            with open(sys.argv[1], newline="") as file:
                for row in csv.DictReader(file):
                    n += 1
                    total += len(row["amount"])
            print(n, total)
        """

    static func run(payrun: String) throws -> [BenchmarkResult] {
        let scratch = "/tmp/payrun-bench-csv-\(getpid())"
        mkdir(scratch, 0o700)
        defer { _ = try? ChildProcess(["/bin/rm", "-rf", scratch]).wait() }
        let payrunPath = scratch + "/read.lua", pureLuaPath = scratch + "/pure.lua", pythonPath = scratch + "/read.py"
        let emptyPath = scratch + "/empty.lua", filePath = scratch + "/payouts.csv", bigPath = scratch + "/big.csv"
        try BenchmarkFile.write(payrunScript, to: payrunPath)
        try BenchmarkFile.write(pureLuaScript, to: pureLuaPath)
        try BenchmarkFile.write(python, to: pythonPath)
        try BenchmarkFile.write("", to: emptyPath)
        let bytes = try writePayouts(to: filePath, targetBytes: 20_000_000)

        let payrunIdle = try median(3) { try ChildProcess([payrun, "run", emptyPath]).wait() }
        let pythonIdle = try median(3) { try ChildProcess(["/usr/bin/env", "python3", pythonPath, "none"]).wait() }
        var payrunTimes: [Double] = [], pureTimes: [Double] = [], pythonTimes: [Double] = []
        for _ in 0..<3 {
            payrunTimes.append(try ChildProcess([payrun, "run", payrunPath, filePath]).wait() - payrunIdle)
            pureTimes.append(try ChildProcess([payrun, "run", pureLuaPath, filePath]).wait() - payrunIdle)
            pythonTimes.append(try ChildProcess(["/usr/bin/env", "python3", pythonPath, filePath]).wait() - pythonIdle)
        }
        let megabytes = Double(bytes) / 1_000_000
        let payrunTime = Samples.median(payrunTimes)
        let pureTime = Samples.median(pureTimes)
        let pythonTime = Samples.median(pythonTimes)

        // 100 MB streamed; through /usr/bin/time, which reports the child's own peak.
        let bigBytes = try writePayouts(to: bigPath, targetBytes: 100_000_000)
        let rssPath = scratch + "/rss"
        let bigTime = try ChildProcess(["/usr/bin/time", "-f", "%M", "-o", rssPath, payrun, "run", payrunPath, bigPath]).wait() - payrunIdle
        let peakKilobytes = BenchmarkFile.text(rssPath)?.split(separator: "\n").first.flatMap { Int($0) } ?? -1

        return [
            BenchmarkResult(
                name: "CSV, \(format(megabytes)) MB of payouts into rows keyed by the header: payrun.csv vs the pure-Lua reader",
                subject: megabytes / payrunTime, reference: megabytes / pureTime,
                detail: "payrun.csv \(format(megabytes / payrunTime)) MB/s, pure Lua \(format(megabytes / pureTime)) MB/s (medians of 3)",
                ratioMeaning: "throughput ratio (target ≥ 5)"),
            BenchmarkResult(
                name: "The same file: payrun.csv vs Python's csv.DictReader",
                subject: megabytes / payrunTime, reference: megabytes / pythonTime,
                detail: "payrun.csv \(format(megabytes / payrunTime)) MB/s, Python \(format(megabytes / pythonTime)) MB/s (medians of 3)",
                ratioMeaning: "throughput ratio"),
            BenchmarkResult(
                name: "\(format(Double(bigBytes) / 1_000_000)) MB streamed by payrun.csv.file: peak resident memory of the whole `payrun run`",
                subject: Double(peakKilobytes) / 1024, reference: 50,
                detail: "\(format(Double(peakKilobytes) / 1024)) MB peak, \(format(Double(bigBytes) / 1_000_000 / bigTime)) MB/s",
                ratioMeaning: "of the 50 MB allowed"),
        ]
    }

    /// A payout file as an operations team gets one: a header, quoted names with commas, amounts.
    static func writePayouts(to path: String, targetBytes: Int) throws -> Int {
        guard let file = fopen(path, "w") else { throw Failure(description: "cannot write \(path)") }
        defer { fclose(file) }
        var written = 0
        var line = "id,name,iban,amount,currency,reference\r\n"
        var index = 0
        while written < targetBytes {
            fputs(line, file)
            written += line.utf8.count
            index += 1
            let cents = (index * 7919) % 1_000_000
            line = "p_\(index),\"Doe, Jane \(index % 997)\",DE89370400440532\(String(100_000 + index % 900_000)),"
                + "\(cents / 100).\(cents % 100 < 10 ? "0" : "")\(cents % 100),EUR,\"payout \"\"\(index % 31)\"\"\"\r\n"
        }
        return written
    }

    private static func median(_ runs: Int, _ measure: () throws -> Double) throws -> Double {
        var values: [Double] = []
        for _ in 0..<runs { values.append(try measure()) }
        return Samples.median(values)
    }
}
