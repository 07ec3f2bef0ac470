import CXKBCommon

/// A compiled keyboard layout: libxkbcommon's `xkb_keymap` built from RMLVO names
/// (`xkb_keymap_new_from_names(3)`, rules `evdev`, model `pc105`) out of the system's xkb-data.
///
/// Owns its `xkb_context` and `xkb_keymap` and releases them on deinit. Not shared between
/// scanners: every `KeyDecoder` compiles its own.
public final class Keymap {
    /// The layout name as configured (`us`, `de`, `fr`, `gb`, `cz`, ...).
    public let layout: String
    /// The layout variant (`nodeadkeys`, `azerty`, ...), nil for the layout's default.
    public let variant: String?
    let context: OpaquePointer
    let keymap: OpaquePointer

    /// Compiles the keymap for `layout` (and `variant`).
    /// - Throws: `KeymapError.unknownLayout` when xkb-data has no such layout or variant, or
    ///   `KeymapError.contextUnavailable` when libxkbcommon cannot start.
    public init(layout: String, variant: String? = nil) throws(KeymapError) {
        self.layout = layout
        self.variant = variant
        let valid = { (s: String) in
            !s.isEmpty
                && s.unicodeScalars.allSatisfy {
                    $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-")
                }
        }
        guard valid(layout), variant.map(valid) ?? true else {
            throw .unknownLayout(layout: layout, variant: variant)
        }
        guard let context = xkb_context_new(XKB_CONTEXT_NO_ENVIRONMENT_NAMES) else {
            throw .contextUnavailable
        }
        xkb_context_set_log_level(context, XKB_LOG_LEVEL_CRITICAL)
        let compiled: OpaquePointer? = "evdev".withCString { rules in
            "pc105".withCString { model in
                layout.withCString { layoutName in
                    (variant ?? "").withCString { variantName in
                        var names = xkb_rule_names(
                            rules: rules,
                            model: model,
                            layout: layoutName,
                            variant: variant == nil ? nil : variantName,
                            options: nil
                        )
                        return xkb_keymap_new_from_names(context, &names, XKB_KEYMAP_COMPILE_NO_FLAGS)
                    }
                }
            }
        }
        guard let compiled else {
            xkb_context_unref(context)
            throw .unknownLayout(layout: layout, variant: variant)
        }
        self.context = context
        self.keymap = compiled
    }

    deinit {
        xkb_keymap_unref(keymap)
        xkb_context_unref(context)
    }

    func modIndex(_ name: String) -> xkb_mod_index_t {
        xkb_keymap_mod_get_index(keymap, name)
    }
}

/// Why a keymap could not be compiled.
public enum KeymapError: Error, Equatable, Sendable, CustomStringConvertible {
    /// xkb-data has no layout (or variant) by this name.
    case unknownLayout(layout: String, variant: String?)
    /// libxkbcommon could not create a context (out of memory or no xkb-data installed).
    case contextUnavailable

    /// A sentence naming the setting and the value.
    public var description: String {
        switch self {
        case .unknownLayout(let layout, let variant):
            if let variant {
                return
                    "keyboard layout '\(layout)' with variant '\(variant)' is not in xkb-data; check the scanner profile's layout and variant"
            }
            return
                "keyboard layout '\(layout)' is not in xkb-data; check the scanner profile's layout (e.g. us, de, fr, gb, cz)"
        case .contextUnavailable:
            return "libxkbcommon could not start; is xkb-data installed (/usr/share/X11/xkb)?"
        }
    }
}
