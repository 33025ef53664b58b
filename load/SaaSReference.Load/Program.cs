using SaaSReference.Load.Cli;

return await LoadProgram.RunAsync(args, Console.Out);
