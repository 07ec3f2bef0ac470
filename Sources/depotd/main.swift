print("depotd")
