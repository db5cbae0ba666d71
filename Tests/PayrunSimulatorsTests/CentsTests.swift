// The simulators' two-decimal amounts: what is read as cents, what is refused, and how they print.
@testable import PayrunSimulators
import Testing

@Suite struct CentsTests {
    @Test func amountsWithUpToTwoDecimalsAreRead() {
        #expect(["12", "12.5", "12.50", "0.01", "0"].map(Cents.parse) == [1200, 1250, 1250, 1, 0])
    }

    @Test func anythingElseIsRefused() {
        for text in ["-0.50", "+1", "12.", ".5", "1,5", "1.505", "1e3", "", "12.5.0", "١٢"] {
            #expect(Cents.parse(text) == nil, "\(text)")
        }
    }

    @Test func centsPrintWithTwoDecimals() {
        #expect([1250, 5, 0, -5, -123456].map(Cents.text) == ["12.50", "0.05", "0.00", "-0.05", "-1234.56"])
    }
}
