import Foundation
import TestSupport
import Testing

/// `depotctl label` through the built binaries: every PNG it writes is read back with zbarimg and
/// must say exactly what was asked; ZPL files carry the text as the ^BC field data.
@Suite(.serialized) struct LabelCLITests {
    static let zbarimg = "needs zbarimg (Debian zbar-tools, scripts/deps/labels.apt)"

    /// Every command barcode the floor's parser understands (Sources/Workflow/CommandBarcode.swift),
    /// by file stem, as `label commands --qty 1 6 --operator ana --count 12` prints them.
    static let commandSheet: [String: String] = [
        "mode-lookup": "DEPOT MODE LOOKUP", "mode-receive": "DEPOT MODE RECEIVE",
        "mode-putaway": "DEPOT MODE PUTAWAY", "mode-move": "DEPOT MODE MOVE", "mode-pick": "DEPOT MODE PICK",
        "mode-count": "DEPOT MODE COUNT", "qty-1": "DEPOT QTY 1", "qty-6": "DEPOT QTY 6", "done": "DEPOT DONE",
        "cancel": "DEPOT CANCEL", "undo": "DEPOT UNDO", "operator-ana": "DEPOT OPERATOR ana",
        "count-12": "DEPOT COUNT 12",
    ]

    static func files(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    @Test(.enabled(if: Prerequisite.runs(BarcodeReader.isAvailable), Comment(rawValue: zbarimg)))
    func theCommandSheetScansAsTheFloorsCommands() throws {
        try #require(BarcodeReader.isAvailable, Comment(rawValue: Self.zbarimg))
        let directory = try TemporaryDirectory(prefix: "depot-labels")
        defer { directory.remove() }
        let out = directory.file("sheet")
        let result = try Command.run(
            BuiltProducts.executable("depotctl"),
            ["label", "commands", "--output", out, "--qty", "1", "6", "--operator", "ana", "--count", "12"]
        )
        #expect(result.status == 0, "\(result)")
        #expect(try Self.files(out) == Self.commandSheet.keys.map { $0 + ".png" }.sorted())
        for (stem, text) in Self.commandSheet {
            #expect(try BarcodeReader.decode(out + "/" + stem + ".png") == [text], "\(stem)")
            #expect(result.stdout.contains(out + "/" + stem + ".png\t" + text + "\n"), "\(result)")
        }
    }

    /// The command sheet as one PDF: every page rendered at 300 dpi by poppler and read by
    /// zbarimg gives back exactly the floor's commands, each once.
    @Test(
        .enabled(
            if: Prerequisite.runs(BarcodeReader.isAvailable && PDFReader.isAvailable),
            Comment(rawValue: zbarimg + "; " + ReportCLITests.poppler)
        )
    )
    func theCommandSheetAsAPDFScansAsTheFloorsCommands() throws {
        try #require(BarcodeReader.isAvailable && PDFReader.isAvailable, Comment(rawValue: Self.zbarimg))
        let directory = try TemporaryDirectory(prefix: "depot-labels")
        defer { directory.remove() }
        let out = directory.file("sheet")
        let result = try Command.run(
            BuiltProducts.executable("depotctl"),
            [
                "label", "commands", "--output", out, "--format", "pdf", "--qty", "1", "6", "--operator", "ana",
                "--count", "12",
            ]
        )
        #expect(result.status == 0, "\(result)")
        #expect(try Self.files(out) == ["commands.pdf"])
        let pdf = out + "/commands.pdf"
        for text in Self.commandSheet.values { #expect(result.stdout.contains(pdf + "\t" + text + "\n"), "\(result)") }
        let pages = try PDFReader.pages(pdf)
        #expect(pages == 2, "13 labels at 12 a page")
        var read: [String] = []
        for page in 1...pages {
            let png = try PDFReader.renderPage(pdf, page: page, dpi: 300, to: directory.file("page-\(page)"))
            read += try BarcodeReader.decode(png)
        }
        #expect(read.sorted() == Self.commandSheet.values.sorted(), "\(read)")
    }

    @Test func theDefaultCommandSheetHasTheModesQuantitiesAndTaskCommands() throws {
        let directory = try TemporaryDirectory(prefix: "depot-labels")
        defer { directory.remove() }
        let result = try Command.run(
            BuiltProducts.executable("depotctl"),
            ["label", "commands", "--output", directory.path, "--format", "zpl"]
        )
        #expect(result.status == 0, "\(result)")
        let files = try Self.files(directory.path)
        #expect(files.count == 6 + 10 + 3, "\(files)")
        let zpl = try String(contentsOfFile: directory.file("qty-24.zpl"), encoding: .utf8)
        #expect(zpl.hasPrefix("^XA\n") && zpl.hasSuffix("^XZ\n"), "\(zpl)")
        #expect(zpl.contains("^BCN,120,Y,N,N^FDDEPOT QTY 24^FS"), "\(zpl)")
    }

    @Test func aCommandTheFloorWouldNotReadBackIsRefused() throws {
        let directory = try TemporaryDirectory(prefix: "depot-labels")
        defer { directory.remove() }
        for (arguments, named) in [
            (["--qty", "0"], "--qty 0"), (["--operator", "ana  bo"], "--operator \"ana  bo\""),
            (["--count", "0"], "--count 0"),
        ] {
            let result = try Command.run(
                BuiltProducts.executable("depotctl"),
                ["label", "commands", "--output", directory.file("x")] + arguments
            )
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.contains(named), "\(result)")
            #expect(!FileManager.default.fileExists(atPath: directory.file("x")), "nothing written")
        }
    }

    @Test(.enabled(if: Prerequisite.runs(BarcodeReader.isAvailable), Comment(rawValue: zbarimg)))
    func locationLabelsAreCheckedAgainstTheDaemonAndScanAsTheirCodes() throws {
        try #require(BarcodeReader.isAvailable, Comment(rawValue: Self.zbarimg))
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        for code in ["A-01", "B/02 x"] {
            try CLITests.expectOK(daemon.ctl("location", "add", code, "--kind", "storage"))
        }
        let out = daemon.directory.file("loc")
        let result = try CLITests.expectOK(daemon.ctl("label", "location", "A-01", "B/02 x", "--output", out))
        #expect(try Self.files(out) == ["A-01.png", "B%2F02%20x.png"])
        #expect(try BarcodeReader.decode(out + "/A-01.png") == ["A-01"])
        #expect(try BarcodeReader.decode(out + "/B%2F02%20x.png") == ["B/02 x"])
        #expect(result.stdout == "\(out)/A-01.png\tA-01\n\(out)/B%2F02%20x.png\tB/02 x\n")

        // An unknown code: named, exit 1, nothing written.
        let unknownOut = daemon.directory.file("unknown")
        let unknown = try daemon.ctl("label", "location", "A-01", "Z-99", "--output", unknownOut)
        #expect(unknown.status == 1, "\(unknown)")
        #expect(unknown.stderr.contains("\"Z-99\"") && unknown.stderr.contains("--no-check"), "\(unknown)")
        #expect(!FileManager.default.fileExists(atPath: unknownOut))

        // ZPL: the field data is the code.
        let zplOut = daemon.directory.file("zpl")
        try CLITests.expectOK(daemon.ctl("label", "location", "A-01", "--output", zplOut, "--format", "zpl"))
        let zpl = try String(contentsOfFile: zplOut + "/A-01.zpl", encoding: .utf8)
        #expect(zpl.contains("^FDA-01^FS"), "\(zpl)")
    }

    @Test(.enabled(if: Prerequisite.runs(BarcodeReader.isAvailable), Comment(rawValue: zbarimg)))
    func noCheckRendersWithoutADaemon() throws {
        try #require(BarcodeReader.isAvailable, Comment(rawValue: Self.zbarimg))
        let directory = try TemporaryDirectory(prefix: "depot-labels")
        defer { directory.remove() }
        let ctl = BuiltProducts.executable("depotctl")
        let socket = ["DEPOT_SOCKET": directory.file("none.sock")]
        let unreachable = try Command.run(
            ctl,
            ["label", "location", "C-01", "--output", directory.path],
            environment: socket
        )
        #expect(unreachable.status == 3, "the default check needs depotd: \(unreachable)")
        let result = try Command.run(
            ctl,
            ["label", "location", "C-01", "--output", directory.path, "--no-check", "--json"],
            environment: socket
        )
        #expect(result.status == 0, "\(result)")
        #expect(try BarcodeReader.decode(directory.file("C-01.png")) == ["C-01"])
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: [[String: String]]]
        #expect(json?["labels"] == [["file": directory.file("C-01.png"), "text": "C-01"]], "\(result)")
    }

    @Test func badInputIsNamedWithItsValue() throws {
        let directory = try TemporaryDirectory(prefix: "depot-labels")
        defer { directory.remove() }
        let ctl = BuiltProducts.executable("depotctl")
        func run(_ arguments: String...) throws -> CommandResult {
            try Command.run(ctl, ["label"] + arguments, environment: ["DEPOT_SOCKET": directory.file("none.sock")])
        }
        let empty = try run("location", "A-01", "", "--output", directory.file("e"), "--no-check")
        #expect(empty.status == 1 && empty.stderr.contains("location code \"\""), "\(empty)")
        let greek = try run("location", "A-01", "Ω-01", "--output", directory.file("g"), "--no-check")
        #expect(
            greek.status == 1 && greek.stderr.contains("location code \"Ω-01\"") && greek.stderr.contains("libzint"),
            "\(greek)"
        )
        #expect(!FileManager.default.fileExists(atPath: directory.file("g")), "nothing written: \(greek)")
        let caret = try run("location", "A^01", "--output", directory.file("c"), "--no-check", "--format", "zpl")
        #expect(caret.status == 1 && caret.stderr.contains("\"A^01\""), "\(caret)")
        // A directory under a regular file cannot be created, even by root.
        let file = directory.file("plain")
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        let unwritable = try run("location", "A-01", "--output", file + "/labels", "--no-check")
        #expect(unwritable.status == 1 && unwritable.stderr.contains("--output \"\(file)/labels\""), "\(unwritable)")
        #expect(unwritable.stderr.contains("\(file) is not a directory"), "\(unwritable)")
        let badGTIN = try run("item", "MILK", "--gtin", "4006381333932", "--output", directory.file("i"), "--no-check")
        #expect(badGTIN.status == 1 && badGTIN.stderr.contains("4006381333932"), "\(badGTIN)")
    }

    @Test(.enabled(if: Prerequisite.runs(BarcodeReader.isAvailable), Comment(rawValue: zbarimg)))
    func anItemLabelIsAGS1_128OfItsGTIN() throws {
        try #require(BarcodeReader.isAvailable, Comment(rawValue: Self.zbarimg))
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try CLITests.expectOK(daemon.ctl("item", "add", "MILK", "--name", "Milk 1L", "--gtin", "4006381333931"))
        let out = daemon.directory.file("items")
        try CLITests.expectOK(daemon.ctl("label", "item", "MILK", "--output", out))
        #expect(try BarcodeReader.decode(out + "/MILK.png") == ["0104006381333931"])
        let other = try daemon.ctl("label", "item", "MILK", "--gtin", "09501101530003", "--output", out)
        #expect(other.status == 1 && other.stderr.contains("09501101530003"), "\(other)")
        try CLITests.expectOK(daemon.ctl("label", "item", "MILK", "--output", out, "--format", "zpl"))
        let zpl = try String(contentsOfFile: out + "/MILK.zpl", encoding: .utf8)
        #expect(zpl.contains("^FD>;>80104006381333931^FS") && zpl.contains("^FD(01)04006381333931^FS"), "\(zpl)")
    }

    static let zxing = "needs zxing-cpp and Pillow for python3 (scripts/deps/labels.pip) and pdftoppm"

    @Test(
        .enabled(
            if: Prerequisite.runs(ZXingReader.isAvailable && PDFReader.isAvailable),
            Comment(rawValue: zxing)
        )
    )
    func aPalletLabelPDFScansAsItsSSCCAndContent() throws {
        try #require(ZXingReader.isAvailable && PDFReader.isAvailable, Comment(rawValue: Self.zxing))
        let directory = try TemporaryDirectory(prefix: "depot-pallet")
        defer { directory.remove() }
        let ctl = BuiltProducts.executable("depotctl")
        let result = try Command.run(
            ctl,
            [
                "label", "pallet", "--company-prefix", "0614141", "--extension-digit", "1", "--serial", "234567890",
                "--gtin", "4006381333931", "--count", "40", "--lot", "L-17", "--best-before", "2027-03-31",
                "--line", "From: Depot Nord, Hamburg", "--line", "To: Kunde GmbH, Berlin",
                "--output", directory.path, "--format", "pdf",
            ],
            environment: ["DEPOT_SOCKET": directory.file("none.sock")]
        )
        #expect(result.status == 0, "needs no daemon: \(result)")
        let pdf = directory.file("106141412345678908.pdf")
        #expect(result.stdout == pdf + "\t(00)106141412345678908\n", "\(result)")
        #expect(try PDFReader.pages(pdf) == 1)
        let page = try PDFReader.renderPage(pdf, dpi: 300, to: directory.file("page"))
        let symbols = try ZXingReader.decode(page)
        #expect(
            symbols == [
                ZXingReader.Symbol(format: "Code 128", aim: "]C1", data: "0204006381333931152703313740\u{1D}10L-17"),
                ZXingReader.Symbol(format: "Code 128", aim: "]C1", data: "00106141412345678908"),
            ],
            "the content barcode above, the SSCC at the bottom"
        )
        let text = try PDFReader.text(pdf)
        for words in ["SSCC", "106141412345678908", "BATCH/LOT", "L-17", "BEST BEFORE", "2027-03-31", "To: Kunde GmbH"]
        {
            #expect(text.contains(words), "\(words) in \(text)")
        }
    }

    @Test func aPalletLabelRefusesBadInputNamingTheValue() throws {
        let directory = try TemporaryDirectory(prefix: "depot-pallet")
        defer { directory.remove() }
        let ctl = BuiltProducts.executable("depotctl")
        func run(_ arguments: String...) throws -> CommandResult {
            try Command.run(ctl, ["label", "pallet", "--output", directory.file("out")] + arguments)
        }
        let check = try run("--sscc", "106141412345678907")
        #expect(
            check.status == 1 && check.stderr.contains("SSCC 106141412345678907: the check digit should be 8"),
            "\(check)"
        )
        let prefix = try run("--company-prefix", "12345", "--serial", "1")
        #expect(prefix.status == 1 && prefix.stderr.contains("\"12345\""), "\(prefix)")
        let serial = try run("--company-prefix", "0614141", "--serial", "1000000000")
        #expect(serial.status == 1 && serial.stderr.contains("1000000000"), "\(serial)")
        let gtin = try run("--sscc", "106141412345678908", "--gtin", "4006381333932", "--count", "1")
        #expect(gtin.status == 1 && gtin.stderr.contains("4006381333932"), "\(gtin)")
        let count = try run("--sscc", "106141412345678908", "--gtin", "4006381333931", "--count", "0")
        #expect(count.status == 1 && count.stderr.contains("37") && count.stderr.contains("\"0\""), "\(count)")
        let date = try run(
            "--sscc",
            "106141412345678908",
            "--gtin",
            "4006381333931",
            "--count",
            "2",
            "--best-before",
            "2027-02-30"
        )
        #expect(date.status == 1 && date.stderr.contains("2027-02-30"), "\(date)")
        let lonely = try run("--sscc", "106141412345678908", "--lot", "L1")
        #expect(lonely.status == 1 && lonely.stderr.contains("--gtin"), "\(lonely)")
        let long = try run("--sscc", "106141412345678908", "--line", String(repeating: "x", count: 49))
        #expect(long.status == 1 && long.stderr.contains("label line \"xxxx"), "\(long)")
        let both = try run("--sscc", "106141412345678908", "--company-prefix", "0614141", "--serial", "1")
        #expect(both.status == 1, "\(both)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("out")), "nothing written")
    }
}
