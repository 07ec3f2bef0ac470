"""The Python varlink package as a real peer of depotd: GetInfo, GetInterfaceDescription
(parsed by varlink's own IDL parser), depot methods, and a typed error.

Usage: interop.py unix:PATH
Prints one line per check and exits non-zero on the first failure."""
import sys

import varlink


def main(address):
    with varlink.Client(address=address) as client:
        with client.open("org.varlink.service") as service:
            info = service.GetInfo()
            assert info["vendor"] == "depot", info
            assert "org.depot.inventory" in info["interfaces"], info
            print("GetInfo ok:", info["product"], info["version"], sorted(info["interfaces"]))
            description = service.GetInterfaceDescription("org.depot.inventory")["description"]
            interface = varlink.Interface(description)
            assert interface.name == "org.depot.inventory"
            kinds = {name: type(member).__name__ for name, member in interface.members.items()}
            assert kinds.get("Pick") == "_Method" and kinds.get("AllocationShort") == "_Error", kinds
            methods = sum(1 for kind in kinds.values() if kind == "_Method")
            errors = sum(1 for kind in kinds.values() if kind == "_Error")
            print("GetInterfaceDescription ok:", methods, "methods,", errors, "errors")
        with client.open("org.depot.inventory") as depot:
            depot.AddItem(sku="PY-1", name="Python peer item", gtins=["96385074"], lotTracked=False)
            depot.AddLocation(code="PY-A", kind="storage")
            depot.Receive(item="96385074", quantity=7, location="PY-A")
            balances = depot.Stock(item="PY-1")["balances"]
            assert [b["quantity"] for b in balances] == [7], balances
            print("depot methods ok: received 7, stock", balances[0]["quantity"])
            try:
                depot.GetItem(item="NO-SUCH-SKU")
            except varlink.VarlinkError as error:
                assert error.error() == "org.depot.inventory.UnknownItem", error.error()
                assert error.parameters()["item"] == "NO-SUCH-SKU", error.parameters()
                print("typed error ok:", error.error(), error.parameters()["message"])
            else:
                raise AssertionError("GetItem of an unknown SKU did not fail")


if __name__ == "__main__":
    main(sys.argv[1])
