"""Files the product produces from the register: documents, rosters, lists, finance."""
