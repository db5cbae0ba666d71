// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "payrun",
    products: [
        .executable(name: "payrun", targets: ["PayrunCLI"]),
        .executable(name: "payrun-bench", targets: ["PayrunBenchmarks"]),
        .library(name: "LuaKit", targets: ["LuaKit"]),
        .library(name: "PayrunRuntime", targets: ["PayrunRuntime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Lua 5.4 as the system provides it; no vendored sources.
        .systemLibrary(
            name: "CLua",
            pkgConfig: "lua5.4",
            providers: [.apt(["liblua5.4-dev"]), .brew(["lua"])]
        ),
        // C for what Swift cannot do: Lua's macros, and the trampoline that raises
        // or yields only after a Swift function has returned.
        .target(name: "CLuaShims", dependencies: ["CLua"]),
        // A safe Swift layer over lua_State, with no payment knowledge.
        .target(
            name: "LuaKit",
            dependencies: ["CLua", "CLuaShims"],
            // Number conversions call libm, which Swift links only through Foundation or Glibc.
            linkerSettings: [.linkedLibrary("m")]
        ),
        // Runs scripts: the `payrun` Lua library, JSON, inspect, output.
        .target(name: "PayrunRuntime", dependencies: ["LuaKit", "CLua", "CLuaShims"]),
        .executableTarget(
            name: "PayrunCLI",
            dependencies: [
                "PayrunRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Plain lua_CFunctions that Swift-bound functions are held against, in the benchmarks
        // for speed and in the tests for behaviour.
        .target(name: "CReferenceFunctions", dependencies: ["CLua"]),
        .executableTarget(
            name: "PayrunBenchmarks",
            dependencies: ["LuaKit", "PayrunRuntime", "CReferenceFunctions", "CLuaShims", "CLua"]
        ),
        .testTarget(name: "LuaKitTests", dependencies: ["LuaKit", "CLua", "CLuaShims", "CReferenceFunctions"]),
        .testTarget(name: "PayrunRuntimeTests", dependencies: ["PayrunRuntime", "LuaKit"]),
        // Runs the built `payrun`; depending on it makes `swift test` build it first.
        .testTarget(name: "PayrunCLITests", dependencies: ["PayrunCLI"]),
    ]
)
