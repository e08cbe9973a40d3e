import VeilLogCLI

// veil-log: the transparency log server alone; `veil-log serve` is the same command as `veil log serve`.
await VeilLogCommand.main()
