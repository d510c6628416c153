System.Console.WriteLine("pcverify");
