from lambda_kit.cli import main

raise SystemExit(main())
