// Times as the providers write them: ISO 8601 in UTC with whole seconds, with the calendar
// arithmetic done here so that no time zone or locale database is loaded.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public enum UTCTime {
    /// Seconds since 1970, now.
    public static func now() -> Int {
        Int(Date().timeIntervalSince1970.rounded(.down))
    }

    /// Seconds since 1970, now, with the fraction.
    public static func nowPrecise() -> Double {
        Date().timeIntervalSince1970
    }

    /// `2015-10-19T11:04:18Z`: UTC, whole seconds, nothing else, as seconds since 1970.
    public static func seconds(from text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            bytes[19] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            guard bytes[range].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
            return Int(String(decoding: bytes[range], as: UTF8.self))
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...daysInMonth(year, month)).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        return daysSinceEpoch(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
    }

    /// `2015-10-19` (midnight UTC) or a full DateTime, for the `created_after` and
    /// `created_before` filters.
    public static func seconds(fromDateOrDateTime text: String) -> Int? {
        seconds(from: text) ?? (text.utf8.count == 10 ? seconds(from: text + "T00:00:00Z") : nil)
    }

    /// The text of `seconds` since 1970, as `DateTime` and `created_at` show it.
    public static func text(_ seconds: Int) -> String {
        String(unsafeUninitializedCapacity: 20) { fill($0, with: seconds) }
    }

    /// The year (UTC) of `seconds` since 1970.
    public static func year(of seconds: Int) -> Int {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        return civil(fromDays: days).0
    }

    /// Appends the 20 bytes of `seconds`' text: this runs for every record of every page served.
    public static func write(_ seconds: Int, into bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<fill(buffer, with: seconds)]))
        }
    }

    /// Writes `seconds`' text into the first 20 bytes of `buffer`, each digit at its place (a
    /// DateTime header is signed on every request: appending a byte at a time to a growing
    /// array cost 3K instructions); returns 20.
    private static func fill(_ buffer: UnsafeMutableBufferPointer<UInt8>, with seconds: Int) -> Int {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let (year, month, day) = civil(fromDays: days)
        let rest = seconds - days * 86_400
        func put(_ value: Int, digits: Int, at position: Int) {
            var value = value
            for offset in (0..<digits).reversed() {
                buffer[position + offset] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
        }
        put(year, digits: 4, at: 0)
        buffer[4] = UInt8(ascii: "-")
        put(month, digits: 2, at: 5)
        buffer[7] = UInt8(ascii: "-")
        put(day, digits: 2, at: 8)
        buffer[10] = UInt8(ascii: "T")
        put(rest / 3600, digits: 2, at: 11)
        buffer[13] = UInt8(ascii: ":")
        put(rest / 60 % 60, digits: 2, at: 14)
        buffer[16] = UInt8(ascii: ":")
        put(rest % 60, digits: 2, at: 17)
        buffer[19] = UInt8(ascii: "Z")
        return 20
    }

    // Days from 1970-01-01 for a proleptic Gregorian date, and back (Howard Hinnant's algorithms).
    private static func daysSinceEpoch(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

}
