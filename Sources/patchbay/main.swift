import PatchbayCommands

await PatchbayCommand.runMain()
