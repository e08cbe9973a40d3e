import VeilNodeCLI

// veil-node: the inference node alone, the same command as `veil node serve`.
await VeilNodeCommand.start()
