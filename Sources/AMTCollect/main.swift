print("amt-collect")
