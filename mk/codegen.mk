# Swift types of depot's Varlink interfaces (Sources/DepotAPI/Generated) from the IDL files in
# Sources/DepotAPI/Interfaces. Run after editing an IDL file and commit the result;
# DepotAPITests fails while the committed files and the IDL disagree.
.PHONY: codegen
codegen:
	$(SWIFT) run varlink-codegen --idl Sources/DepotAPI/Interfaces --output Sources/DepotAPI/Generated
