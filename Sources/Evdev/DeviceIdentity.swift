import ScannerInput

#if canImport(Glibc)
import Glibc
#endif

/// Who an input device is, read from sysfs and udev's /dev/input links without opening the node
/// (so devices that are not scanners are never opened).
public struct DeviceIdentity: Sendable, Hashable, CustomStringConvertible {
    /// The event node, e.g. `/dev/input/event7`.
    public var node: String
    /// Kernel device name (`/sys/class/input/eventN/device/name`, EVIOCGNAME).
    public var name: String
    /// Bus type (`BUS_USB` = 0x03, `BUS_VIRTUAL` = 0x06; linux/input.h), vendor, product, version (EVIOCGID).
    public var bus: UInt16, vendor: UInt16, product: UInt16, version: UInt16
    /// Physical path as the driver reports it (`usb-0000:00:14.0-2/input0`), may be empty.
    public var phys: String
    /// Unique id (serial number) if the device has one, may be empty.
    public var uniq: String
    /// Names in /dev/input/by-id that point at `node` (udev's persistent-input rules).
    public var byID: [String]
    /// Names in /dev/input/by-path that point at `node`.
    public var byPath: [String]

    /// Creates an identity from its parts.
    public init(
        node: String,
        name: String,
        bus: UInt16,
        vendor: UInt16,
        product: UInt16,
        version: UInt16,
        phys: String = "",
        uniq: String = "",
        byID: [String] = [],
        byPath: [String] = []
    ) {
        self.node = node
        self.name = name
        (self.bus, self.vendor, self.product, self.version) = (bus, vendor, product, version)
        self.phys = phys
        self.uniq = uniq
        self.byID = byID
        self.byPath = byPath
    }

    /// The id depot knows this scanner by: stable across replugs into the same port and distinct for
    /// identical scanners. The first by-path name (the USB port) when udev made one; otherwise
    /// `phys:` + the driver's physical path (also port-based for USB); otherwise
    /// `usb:VVVV:PPPP:` + serial number or name.
    public var scannerID: String {
        if let path = byPath.sorted().first { return path }
        if !phys.isEmpty { return "phys:" + phys }
        return "usb:" + Self.hex4(vendor) + ":" + Self.hex4(product) + ":" + (uniq.isEmpty ? name : uniq)
    }

    /// `vvvv:pppp` in hex.
    public var vendorProduct: String { Self.hex4(vendor) + ":" + Self.hex4(product) }

    /// Whether any rule matches this device.
    public func matches(_ rules: [ScannerMatch]) -> Bool {
        rules.contains { $0.matches(name: name, vendor: vendor, product: product, byID: byID, byPath: byPath) }
    }

    /// "Symbol Bar Code Scanner (05e0:1200) at /dev/input/event7".
    public var description: String { "\(name) (\(vendorProduct)) at \(node)" }

    static func hex4(_ v: UInt16) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 4 - s.count) + s
    }

    /// Reads the identity of event node `name` (e.g. `event7`) from `sysfs` (normally
    /// `/sys/class/input`) and the by-id/by-path links under `directory` (normally `/dev/input`).
    /// Returns nil when the device has no sysfs entry (it went away, or is not an event node).
    public static func read(
        eventNode name: String,
        directory: String = "/dev/input",
        sysfs: String = "/sys/class/input"
    ) -> DeviceIdentity? {
        let base = "\(sysfs)/\(name)/device"
        guard let devName = readText(base + "/name") else { return nil }
        let hex = { (file: String) in UInt16(readText("\(base)/id/\(file)") ?? "", radix: 16) ?? 0 }
        return DeviceIdentity(
            node: "\(directory)/\(name)",
            name: devName,
            bus: hex("bustype"),
            vendor: hex("vendor"),
            product: hex("product"),
            version: hex("version"),
            phys: readText(base + "/phys") ?? "",
            uniq: readText(base + "/uniq") ?? "",
            byID: links(in: directory + "/by-id", to: name),
            byPath: links(in: directory + "/by-path", to: name)
        )
    }

    /// Names of symlinks in `dir` whose target's last component is `node`.
    static func links(in dir: String, to node: String) -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var out: [String] = []
        while let entry = readdir(d) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if entryName.hasPrefix(".") { continue }
            var buf = [CChar](repeating: 0, count: 4096)
            let n = readlink(dir + "/" + entryName, &buf, buf.count - 1)
            guard n > 0 else { continue }
            let target = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if target.split(separator: "/").last.map(String.init) == node { out.append(entryName) }
        }
        return out.sorted()
    }

    /// A small sysfs text file without its trailing newline; nil when it cannot be read.
    static func readText(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = (try? Errno.call { Int32(Glibc.read(fd, &buf, buf.count)) }) ?? -1
        guard n >= 0 else { return nil }
        var s = String(decoding: buf[0..<Int(n)], as: UTF8.self)
        while s.hasSuffix("\n") { s.removeLast() }
        return s
    }
}
