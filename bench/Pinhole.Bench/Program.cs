using Pinhole.Bench;

return args.Length > 0 && args[0] == "--worker" ? Worker.Run(args[1..])
    : args.Length > 0 && args[0] == "calibrate" ? Calibration.Run(args[1..])
    : args.Length > 0 && args[0] == "devices" ? DeviceTable.Run(args[1..])
    : Driver.Run(args);
