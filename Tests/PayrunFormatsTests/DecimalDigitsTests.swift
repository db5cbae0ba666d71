// The one reading of a whole number in digits that ports, Content-Length and headers' counts share.
import PayrunFormats
import Testing

@Suite struct DecimalDigitsTests {
    @Test func onlyDigitsMakeANumber() {
        let value = { (text: String) in DecimalDigits.value(of: Array(text.utf8)) }
        #expect(value("0") == 0)
        #expect(value("007") == 7)
        #expect(value("999999999999999999") == 999_999_999_999_999_999)
        for refused in ["", "+2", "-2", " 2", "2 ", "1e3", "0x10", "١", "1234567890123456789"] {
            #expect(value(refused) == nil, "\(refused)")
        }
    }

    @Test func aPortIsOneToFiveDigitsUpTo65535() {
        let port = { (text: String) in DecimalDigits.port(Array(text.utf8)) }
        #expect(port("1") == 1)
        #expect(port("08080") == 8080)
        #expect(port("65535") == 65535)
        for refused in ["", "0", "65536", "000080", "80a", "+80"] {
            #expect(port(refused) == nil, "\(refused)")
        }
    }
}
