import VeilKeyBrokerCLI

// veil-kbs: the key broker alone; `veil-kbs serve` is the same command as `veil kbs serve`.
await VeilKBSCommand.main()
