print("depotctl")
