// esbuild's `text` loader turns the widget's stylesheet into a string constant.
declare module '*.css' {
  const text: string;
  export default text;
}
