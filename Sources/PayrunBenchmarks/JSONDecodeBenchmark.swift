// Benchmark 2: payrun.json.decode against lua-cjson, decoding the same ~10 MB into Lua tables.
import LuaKit
import PayrunRuntime

enum JSONDecodeBenchmark {
    /// Where Debian's and Ubuntu's lua-cjson put the module for Lua 5.4, on each architecture
    /// they build for, then where a hand-built one goes.
    static let cjsonPath = ["x86_64-linux-gnu", "aarch64-linux-gnu", "arm-linux-gnueabihf", "i386-linux-gnu"]
        .map { "/usr/lib/\($0)/lua/5.4/?.so" }.joined(separator: ";") + ";/usr/local/lib/lua/5.4/?.so"

    static func run() throws -> BenchmarkResult {
        // A bare state, not the sandbox: cjson is a C module, which scripts cannot load.
        let state = try LuaState()
        try state.open([.base, .package, .string, .table])
        try PayrunLibrary.install(in: state, output: CapturedOutput())
        let document = makeDocument(targetBytes: 10_000_000)
        let decode = try state.load("""
            package.cpath = ...
            local ok, cjson = pcall(require, "cjson")
            if not ok then error("lua-cjson is not installed (apt-get install lua-cjson): " .. cjson, 0) end
            local decoders = { cjson = cjson.decode, payrun = payrun.json.decode }
            return function(which, document)
              collectgarbage()
              local value = decoders[which](document)
              assert(#value > 0 and value[1].id)
              return #value
            end
            """, chunkName: "=json benchmark")
        guard case .function(let reference)? = try state.call(decode, [.string(LuaString(cjsonPath))]).first else {
            throw LuaError(.runtime, "the benchmark chunk did not return its decoder")
        }
        let text = LuaValue.string(LuaString(bytes: document))
        var payrunTime = Double.infinity
        var cjsonTime = Double.infinity
        for _ in 0..<5 {
            cjsonTime = min(cjsonTime, try Clock.best(of: 1) { _ = try state.call(reference, ["cjson", text]) })
            payrunTime = min(payrunTime, try Clock.best(of: 1) { _ = try state.call(reference, ["payrun", text]) })
        }
        let megabytes = Double(document.count) / 1_000_000
        // Throughput ratio: payrun's MB/s over cjson's, i.e. cjson's time over payrun's.
        return BenchmarkResult(
            name: "JSON decode, \(format(megabytes)) MB of transactions, vs lua-cjson",
            subject: cjsonTime, reference: payrunTime,
            detail: "payrun \(format(megabytes / payrunTime)) MB/s, cjson \(format(megabytes / cjsonTime)) MB/s",
            ratioMeaning: "throughput ratio (target ≥ 0.8)")
    }

    /// A list of transaction objects as a payment API returns them, deterministic.
    static func makeDocument(targetBytes: Int) -> [UInt8] {
        let statuses = ["settled", "pending", "failed", "refunded"]
        let currencies = ["EUR", "USD", "GBP", "XAF"]
        var text = "["
        var index = 0
        while text.utf8.count < targetBytes {
            if index > 0 { text += "," }
            let cents = (index * 7919) % 1_000_000
            text += """
                {"id":"tx_\(index)","amount":\(cents / 100).\(cents % 100 < 10 ? "0" : "")\(cents % 100),\
                "amount_minor":\(cents),"currency":"\(currencies[index % 4])","status":"\(statuses[index % 4])",\
                "created_at":"2026-11-\(10 + index % 20)T12:\(10 + index % 50):00Z","refunded":\(index % 9 == 0),\
                "customer":{"id":"cus_\(index % 997)","name":"Customer \\u00e9 \(index % 997)","email":"c\(index % 997)@example.com"},\
                "tags":["batch","payout"],"fee":\(index % 50) ,"reference":null,"rate":1.0\(index % 10)}
                """
            index += 1
        }
        text += "]"
        return Array(text.utf8)
    }
}
