// veil-node: the inference node alone (skeleton; the node command moves here from `veil node serve`).
print("veil-node: not yet assembled")
