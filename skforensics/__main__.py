from skforensics.cli import main

raise SystemExit(main())
