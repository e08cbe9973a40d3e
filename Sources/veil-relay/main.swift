import VeilRelayCLI

// veil-relay: the OHTTP relay alone; `veil-relay serve` is the same command as `veil relay serve`.
await VeilRelayCommand.main()
