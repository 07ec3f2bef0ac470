// The one syntax of an instant in depot's text (wire, CSV, command line): RFC 3339 with its
// offset bounded. Pure: no Foundation; the caller turns valid text into its clock's type.

/// Instants as text: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
public enum InstantText {
    /// Whether `text` is a strict ISO 8601 instant: a real calendar date (2025-02-29 is refused,
    /// not rolled over), a time of day below 24:00:00 (RFC 3339 section 5.6), an optional
    /// fraction, and `Z` or an offset whose minutes are below 60 within ±14:00 (`+25:00` is
    /// refused). Throws nothing.
    public static func isValid(_ text: String) -> Bool {
        let b = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= b.count else { return nil }
            var value = 0
            for index in range {
                guard b[index] >= 0x30, b[index] <= 0x39 else { return nil }
                value = value * 10 + Int(b[index] - 0x30)
            }
            return value
        }
        guard b.count >= 20, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x54 || b[10] == 0x74, b[13] == 0x3A, b[16] == 0x3A,
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), day >= 1, hour < 24, minute < 60, second < 60
        else { return false }
        guard CalendarDate(year: year, month: month, day: day) != nil else { return false }
        // The zone: after the seconds and an optional fraction, `Z` or an offset within ±14:00
        // (the widest in use, Pacific/Kiritimati; RFC 3339 leaves room for ±23:59, ISO 8601 does
        // not bound it: `+25:00` or `+05:75` would write a movement at a time no clock showed).
        var zone = 19
        if zone < b.count, b[zone] == 0x2E {
            zone += 1
            let digits = zone
            while zone < b.count, b[zone] >= 0x30, b[zone] <= 0x39 { zone += 1 }
            guard zone > digits else { return false }
        }
        guard zone < b.count else { return false }
        if b[zone] == 0x5A || b[zone] == 0x7A {
            guard zone + 1 == b.count else { return false }
        } else {
            guard b[zone] == 0x2B || b[zone] == 0x2D, zone + 6 == b.count, b[zone + 3] == 0x3A,
                let hours = number(zone + 1..<zone + 3), let minutes = number(zone + 4..<zone + 6),
                minutes < 60, hours * 60 + minutes <= 14 * 60
            else { return false }
        }
        return true
    }
}
