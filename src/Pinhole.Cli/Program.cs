return Pinhole.Cli.CliApp.Run(args, Console.Out, Console.Error);
