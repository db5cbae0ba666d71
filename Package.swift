// swift-tools-version:6.1
// payrun builds and is tested on Linux (Debian and Ubuntu, as CI proves); it uses Linux's signals,
// and other platforms are not supported.
import PackageDescription

let package = Package(
    name: "payrun",
    products: [
        .executable(name: "payrun", targets: ["PayrunCLI"]),
        .executable(name: "payrun-bench", targets: ["PayrunBenchmarks"]),
        .library(name: "Payrun", targets: ["Payrun"]),
        .library(name: "LuaKit", targets: ["LuaKit"]),
        .library(name: "PayrunProviderKit", targets: ["PayrunProviderKit"]),
        .library(name: "PayrunRuntime", targets: ["PayrunRuntime"]),
        .library(name: "PayrunSimulators", targets: ["PayrunSimulators"]),
        .library(name: "PayrunFormats", targets: ["PayrunFormats"]),
        .library(name: "PayrunJournal", targets: ["PayrunJournal"]),
        .library(name: "PayrunSQLite", targets: ["PayrunSQLite"]),
        .library(name: "PayrunPostgres", targets: ["PayrunPostgres"]),
        .library(name: "PayrunListener", targets: ["PayrunListener"]),
        .library(name: "PayrunProviders", targets: ["PayrunProviders"]),
        .library(name: "PayrunDeclaredProviders", targets: ["PayrunDeclaredProviders"]),
        .library(name: "LineEditing", targets: ["LineEditing"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Without the FullFoundation trait Hummingbird uses FoundationEssentials only, and so does
        // swift-crypto 4: loading full Foundation (and ICU) would triple `payrun run`'s start-up.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0", traits: []),
        .package(url: "https://github.com/apple/swift-crypto", "4.2.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        // SQLite compiled in, over FoundationEssentials only (GRDB imports all of Foundation,
        // which would triple `payrun run`'s start-up): the embedded state store.
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.0"),
        // `payrun listen`: one ServiceGroup, graceful shutdown on SIGTERM.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        // The HTTP parts a listener's read deadlines watch (Hummingbird's own pipeline types).
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.34.1"),
        // The state store on PostgreSQL, shared by several processes.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
    ],
    targets: [
        // Lua 5.4 as the system provides it; no vendored sources.
        .systemLibrary(
            name: "CLua",
            pkgConfig: "lua5.4",
            providers: [.apt(["liblua5.4-dev"])]
        ),
        // C for what Swift cannot do: Lua's macros, and the trampoline that raises
        // or yields only after a Swift function has returned.
        .target(name: "CLuaShims", dependencies: ["CLua"]),
        // glibc's memmem, for the search of an answer for a credential (ProviderCredentials).
        .target(name: "CByteSearch"),
        // Swift's tasks on NIO's event loops, in a statically linked build too.
        .target(name: "CConcurrencyHook"),
        .target(
            name: "PayrunConcurrency",
            dependencies: [
                "CConcurrencyHook", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // A safe Swift layer over lua_State, with no payment knowledge.
        .target(
            name: "LuaKit",
            dependencies: ["CLua", "CLuaShims", "PayrunFormats"],
            // Number conversions call libm, which Swift links only through Foundation or Glibc.
            linkerSettings: [.linkedLibrary("m")]
        ),
        // State shared between threads, behind locks Thread Sanitizer can see.
        .target(name: "PayrunLocks"),
        // What goes over the wire: JSON as Swift values, ISO 8601 UTC times.
        .target(name: "PayrunFormats"),
        // Talking to payment providers, with no Lua in it: the provider protocol, requests and
        // responses, signing and credentials, errors, retry safety, pagination, webhook
        // verification, and the HTTP client with its retry policy.
        .target(
            name: "PayrunProviderKit",
            dependencies: [
                "PayrunFormats", "PayrunLocks", "CByteSearch",
                // HMAC signatures with keys set up once (KeyedHMAC), for built-in and declared providers.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Runs and their journals: the records, the hash chain, the store protocol and its memory twin.
        .target(
            name: "PayrunJournal",
            dependencies: ["PayrunFormats", "PayrunLocks", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The embedded state store: one SQLite file in WAL mode.
        .target(
            name: "PayrunSQLite",
            dependencies: [
                "PayrunJournal", "PayrunFormats", "PayrunLocks",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // Runs scripts: the sandbox, the `payrun` Lua library (json, decimal, inspect, the
        // provider bindings), the runner and the REPL session.
        .target(
            name: "PayrunRuntime",
            dependencies: [
                "LuaKit", "PayrunFormats", "PayrunProviderKit", "PayrunLocks", "PayrunJournal",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The state store on PostgreSQL: runs, the journal and the inbox, shared by processes.
        .target(
            name: "PayrunPostgres",
            dependencies: [
                "PayrunJournal", "PayrunFormats", "PayrunLocks",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // ConnectionPoolError, which PostgresNIO passes on unwrapped when connections keep failing.
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                // NIOConnectionError: why a first connection failed.
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // `payrun listen`: receives webhooks into the inbox and hands each to a Lua handler.
        .target(
            name: "PayrunListener",
            dependencies: [
                "PayrunRuntime", "PayrunJournal", "PayrunFormats", "PayrunLocks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        // The built-in providers, on the same plugin API a host's own use; no Lua in them.
        .target(
            name: "PayrunProviders",
            dependencies: [
                "PayrunProviderKit", "PayrunFormats", "PayrunLocks", .product(name: "Crypto", package: "swift-crypto"),
                // RSA (Capitalist's encrypted passwords and batch signatures).
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // Providers declared in Lua files (`providers/NAME.lua`): read in a restricted Lua state
        // into plain data, signed and verified in Swift on the same plugin API.
        .target(
            name: "PayrunDeclaredProviders",
            dependencies: ["LuaKit", "PayrunProviderKit", "PayrunFormats", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // `import Payrun`: the engine with the built-in providers and the simulators in process,
        // as `payrun run` runs scripts.
        .target(name: "Payrun", dependencies: ["PayrunRuntime", "PayrunProviders", "PayrunDeclaredProviders", "PayrunSimulators", "PayrunSQLite"]),
        // The examples docs/embedding.md shows, built (and exercised by tests) so they cannot rot.
        .target(
            name: "ScriptHostExample", dependencies: ["Payrun", .product(name: "Hummingbird", package: "hummingbird")],
            path: "docs/examples/script-host"
        ),
        .target(name: "LedgerProviderExample", dependencies: ["PayrunProviderKit", "PayrunFormats"], path: "docs/examples/ledger-provider"),
        // Local, stateful simulators of the payment providers, served over HTTP.
        .target(
            name: "PayrunSimulators",
            dependencies: [
                "PayrunFormats", "PayrunLocks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                // The connection a "drop" fault closes, and the webhook client's HTTP types.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                // Webhook deliveries go out over real HTTP(S), as the providers' do.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // Reading a line from a person at a terminal (for `payrun repl`): keys, history, completion.
        .target(name: "LineEditing"),
        .executableTarget(
            name: "PayrunCLI",
            dependencies: [
                "Payrun",
                "PayrunRuntime",
                "PayrunListener",
                "PayrunPostgres",
                "LineEditing",
                "PayrunProviders",
                "PayrunSimulators",
                "PayrunConcurrency",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Plain lua_CFunctions that Swift-bound functions are held against, in the benchmarks
        // for speed and in the tests for behaviour.
        .target(name: "CReferenceFunctions", dependencies: ["CLua"]),
        .executableTarget(
            name: "PayrunBenchmarks",
            dependencies: [
                "LuaKit", "Payrun", "PayrunRuntime", "PayrunSimulators", "PayrunListener", "PayrunPostgres", "PayrunTestSupport", "CReferenceFunctions", "PayrunConcurrency",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        // What the tests share: a webhook receiver, a service and a Stripe-style card API on loopback.
        .target(
            name: "PayrunTestSupport",
            dependencies: [
                "PayrunSimulators", "PayrunProviderKit", "PayrunLocks", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        // JSONSuite/ is read by path (JSONSuiteTests), not built in.
        .testTarget(name: "PayrunFormatsTests", dependencies: ["PayrunFormats"], exclude: ["JSONSuite"]),
        .testTarget(name: "LineEditingTests", dependencies: ["LineEditing", "PayrunTestSupport"]),
        .testTarget(
            name: "PayrunProvidersTests",
            dependencies: [
                "PayrunProviders", "PayrunDeclaredProviders", "PayrunRuntime", "LuaKit", "PayrunFormats", "PayrunSimulators", "PayrunTestSupport",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // Providers declared in Lua: reading definitions, their refusals, webhook verifiers, and
        // the Stripe-style example against a Stripe-style API on loopback.
        .testTarget(
            name: "PayrunDeclaredProvidersTests",
            dependencies: [
                "PayrunDeclaredProviders", "PayrunProviderKit", "PayrunFormats", "PayrunLocks", "PayrunRuntime", "PayrunSimulators",
                "PayrunTestSupport", "LuaKit", .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The provider layer from Swift alone: no Lua state anywhere in these tests.
        .testTarget(
            name: "PayrunProviderKitTests",
            dependencies: ["PayrunProviderKit", "PayrunProviders", "PayrunFormats", "PayrunSimulators", "PayrunTestSupport", "LedgerProviderExample",
                           .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The engine as a Swift service uses it (also run under Thread Sanitizer by scripts/test.sh).
        .testTarget(
            name: "PayrunEngineTests",
            dependencies: [
                "Payrun", "PayrunSimulators", "PayrunTestSupport", "ScriptHostExample",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        // The state store's tests, one suite run against each driver.
        .testTarget(
            name: "PayrunJournalTests",
            dependencies: [
                "PayrunJournal", "PayrunSQLite", "PayrunPostgres", "PayrunFormats", "PayrunTestSupport",
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
            ]
        ),
        .testTarget(name: "LuaKitTests", dependencies: ["LuaKit", "CLua", "CLuaShims", "CReferenceFunctions"]),
        .testTarget(name: "PayrunRuntimeTests", dependencies: ["PayrunRuntime", "LuaKit", "PayrunTestSupport"], exclude: ["Reference"]),
        .testTarget(
            name: "PayrunSimulatorsTests",
            dependencies: ["PayrunSimulators", "PayrunFormats", "PayrunTestSupport", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Runs the built `payrun`; depending on it makes `swift test` build it first.
        .testTarget(
            name: "PayrunCLITests",
            dependencies: [
                "PayrunCLI", "PayrunTestSupport", "PayrunProviders", "PayrunProviderKit", "PayrunSimulators", "PayrunLocks", "PayrunPostgres",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["DurableScripts"]),
    ]
)
